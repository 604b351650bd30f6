import type { Dialect } from '../../../dialect.js';
import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

const KINDS: Record<string, { label: string; lock: string }> = {
  CONSTR_FOREIGN: { label: 'FOREIGN KEY', lock: 'a SHARE ROW EXCLUSIVE lock on both tables (blocking writes)' },
  CONSTR_CHECK: { label: 'CHECK', lock: 'an ACCESS EXCLUSIVE lock (blocking reads and writes)' },
};

function constraintOf(c: TableCommand): AstNode | undefined {
  if (c.subtype !== 'AT_AddConstraint') return undefined;
  return (c.cmd.def as { Constraint?: AstNode } | undefined)?.Constraint;
}

function recipe(c: TableCommand, constraint: AstNode, d: Dialect): string {
  const table = d.qualified(c.table);
  const name = typeof constraint.conname === 'string' ? constraint.conname : `${c.table.split('.').pop() ?? ''}_check`;
  const definition = c.stmt.source.sql.slice(c.offset, c.end).replace(/^ADD\s+/i, '');
  const added = typeof constraint.conname === 'string' ? definition : `CONSTRAINT ${d.ident(name)} ${definition}`;
  return [
    'add it NOT VALID (checks new rows only, brief lock), then validate it in a later step (SHARE UPDATE ' +
      'EXCLUSIVE: reads and writes go on):',
    block([
      `- sql: { up: ${yamlString(`ALTER TABLE ${table} ADD ${added} NOT VALID`)} }`,
      `- validate_constraint: { table: ${c.table}, name: ${name} }`,
    ]),
    `or use the ${constraint.contype === 'CONSTR_CHECK' ? 'add_check' : 'add_foreign_key'} operation, which ` +
      `adds it NOT VALID first`,
  ].join('\n');
}

/** VALIDATE in the same transaction as ADD … NOT VALID keeps the ADD's strong lock during the scan. */
function validatedTooSoon(c: TableCommand, addedNotValid: Set<string>): Finding | undefined {
  if (c.subtype !== 'AT_ValidateConstraint' || !c.stmt.inTransaction) return undefined;
  const name = astText(c.cmd.name);
  if (!addedNotValid.has(`${c.stmt.stepId}\u0000${name}`)) return undefined;
  return sqlFinding(
    constraintMissingNotValid,
    c.stmt,
    c.offset,
    `constraint ${name} is validated in the same transaction that added it NOT VALID: the lock taken by ADD is ` +
      `held during the whole validation scan`,
    [
      'validate it in a later step, which commits the ADD first:',
      block([`- validate_constraint: { table: ${c.table}, name: ${name} }`]),
    ].join('\n'),
  );
}

function findingsOf(ctx: LintContext): Finding[] {
  const findings: Finding[] = [];
  const addedNotValid = new Set<string>();
  for (const c of existingTableCommands(sqlSourcesOf(ctx))) {
    const tooSoon = validatedTooSoon(c, addedNotValid);
    if (tooSoon) findings.push(tooSoon);
    const constraint = constraintOf(c);
    const kind = constraint ? KINDS[String(constraint.contype)] : undefined;
    if (!constraint || !kind) continue;
    if (constraint.skip_validation === true) {
      if (c.stmt.inTransaction) addedNotValid.add(`${c.stmt.stepId}\u0000${astText(constraint.conname)}`);
      continue;
    }
    findings.push(
      sqlFinding(
        constraintMissingNotValid,
        c.stmt,
        Number(constraint.location ?? c.offset),
        `adding a ${kind.label} constraint to ${c.table} without NOT VALID checks every existing row while ` +
          `holding ${kind.lock}`,
        recipe(c, constraint, ctx.compiled.dialect),
      ),
    );
  }
  return findings;
}

export const constraintMissingNotValid: Rule = {
  id: 'constraint-missing-not-valid',
  severity: 'error',
  description: 'ADD FOREIGN KEY / CHECK without NOT VALID scans the whole table under a lock that blocks writes.',
  check: findingsOf,
};
