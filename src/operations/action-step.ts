/**
 * The one way an operation makes a SQL step: it says what to do as a neutral action, and the plan's
 * dialect renders the statement, its lock and its probe. An action the database cannot do stops
 * the plan at compile time (`validate` reports it) with the dialect's way to get there instead.
 */
import { isUnsupported, type Action, type Rendered } from '../dialects/actions.js';
import { UsageError } from '../errors.js';
import type { OperationContext, Phase, SqlStep, StepEffect } from './types.js';

export interface ActionStepFields {
  id: string;
  summary: string;
  action: Action;
  /** Defaults to the context's phase (a composite operation places some steps in later phases). */
  phase?: Phase;
  effect?: StepEffect;
  undoes?: string;
}

export function renderAction(ctx: Pick<OperationContext, 'dialect'>, action: Action): Rendered {
  const render = ctx.dialect.ddl[action.kind] as (
    a: Action,
  ) => ReturnType<(typeof ctx.dialect.ddl)[typeof action.kind]>;
  const rendered = render(action);
  if (isUnsupported(rendered)) {
    throw new UsageError(
      `${ctx.dialect.name} cannot ${action.kind}: ${rendered.unsupported}`,
      rendered.instead,
      'unsupported-action',
    );
  }
  return rendered;
}

export function actionStep(ctx: Pick<OperationContext, 'dialect' | 'phase'>, fields: ActionStepFields): SqlStep {
  const r = renderAction(ctx, fields.action);
  const step: SqlStep = {
    id: fields.id,
    phase: fields.phase ?? ctx.phase,
    kind: 'sql',
    summary: fields.summary,
    sql: r.sql,
    lock: { level: r.lock.level as SqlStep['lock']['level'], impact: r.lock.impact, on: r.lock.on },
    transactional: r.transactional,
  };
  if (r.probe !== undefined) step.probe = r.probe;
  if (r.buildsIndex !== undefined) step.buildsIndex = r.buildsIndex;
  if (fields.effect) step.effect = fields.effect;
  if (fields.undoes !== undefined) step.undoes = fields.undoes;
  return step;
}
