/**
 * CHECK and FOREIGN KEY constraints in T-SQL: added WITH NOCHECK (new rows are checked, existing ones
 * are not, the constraint is not trusted), validated later WITH CHECK CHECK CONSTRAINT. Unlike
 * PostgreSQL's VALIDATE, that scan holds Sch-M on the table throughout: reads and writes wait
 * (ALTER TABLE, "Locks and ALTER TABLE": Sch-M for the statement, short only for online index operations).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type {
  AddCheckUncheckedAction,
  AddForeignKeyUncheckedAction,
  AddUniqueUsingIndexAction,
  DropConstraintAction,
  ReferentialAction,
  ValidateConstraintAction,
} from '../actions-table.js';
import { ident, identList, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';

const otherThan = (table: string, tables: string[]): string[] => tables.filter((t) => t !== table);

/** SQL Server checks every constraint immediately, so NO ACTION already behaves as RESTRICT. */
const REFERENTIAL: Record<ReferentialAction, string> = {
  no_action: 'NO ACTION',
  restrict: 'NO ACTION',
  cascade: 'CASCADE',
  set_null: 'SET NULL',
  set_default: 'SET DEFAULT',
};

export function addCheckUnchecked(a: AddCheckUncheckedAction): Rendered {
  return {
    sql: `ALTER TABLE ${qualified(a.table)} WITH NOCHECK ADD CONSTRAINT ${ident(a.name)} CHECK (${a.expression})`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  };
}

function unsupportedForeignKey(a: AddForeignKeyUncheckedAction): Unsupported | undefined {
  if (a.match === 'full') {
    return {
      unsupported: 'SQL Server foreign keys are MATCH SIMPLE only',
      instead: 'add a CHECK that the key columns are all NULL or all NOT NULL',
    };
  }
  if (a.deferrable) {
    return {
      unsupported: 'SQL Server cannot defer a foreign key check',
      instead: 'order the writes so each row is valid when written',
    };
  }
  if (a.onDeleteColumns && a.onDeleteColumns.length > 0) {
    return {
      unsupported: 'SQL Server cannot SET NULL / SET DEFAULT only some referencing columns',
      instead: 'use ON DELETE SET NULL of every key column, or a trigger',
    };
  }
  return undefined;
}

/** Sch-M on both tables: the referenced one records the new reference too. */
export function addForeignKeyUnchecked(a: AddForeignKeyUncheckedAction): Rendered | Unsupported {
  const refused = unsupportedForeignKey(a);
  if (refused) return refused;
  const parts = [
    `ALTER TABLE ${qualified(a.table)} WITH NOCHECK ADD CONSTRAINT ${ident(a.name)}`,
    `FOREIGN KEY (${identList(a.columns)})`,
    `REFERENCES ${qualified(a.references.table)} (${identList(a.references.columns)})`,
  ];
  if (a.onDelete) parts.push(`ON DELETE ${REFERENTIAL[a.onDelete]}`);
  if (a.onUpdate) parts.push(`ON UPDATE ${REFERENTIAL[a.onUpdate]}`);
  return {
    sql: parts.join(' '),
    lock: mssqlLock('Sch-M', [a.table, ...otherThan(a.table, [a.references.table])]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  };
}

/** Reads every row under Sch-M on the table (the referenced table is only read). */
export function validateConstraint(a: ValidateConstraintAction): Rendered {
  return {
    sql: `ALTER TABLE ${qualified(a.table)} WITH CHECK CHECK CONSTRAINT ${ident(a.name)}`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.constraintTrusted(a.table, a.name),
  };
}

export function dropConstraint(a: DropConstraintAction): Rendered {
  return {
    sql: `ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT IF EXISTS ${ident(a.name)}`,
    lock: mssqlLock('Sch-M', [a.table, ...otherThan(a.table, a.alsoLocks)]),
    transactional: true,
    probe: probes.constraintAbsent(a.table, a.name),
  };
}

/** SQL Server has no ADD CONSTRAINT … USING INDEX: a UNIQUE constraint always builds its own index. */
export function addUniqueUsingIndex(a: AddUniqueUsingIndexAction): Unsupported {
  return {
    unsupported:
      `SQL Server cannot attach the existing index ${a.index} to a UNIQUE constraint (no USING INDEX); ` +
      `the unique index ${a.index} already enforces uniqueness`,
    instead:
      'keep the unique index as the enforcement (drop the add_unique step), or add the constraint in raw sql ' +
      'with ALTER TABLE … ADD CONSTRAINT … UNIQUE (…) WITH (ONLINE = ON), which builds a second index online',
  };
}
