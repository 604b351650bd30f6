/** The order the reference lists operations in: by what they change. Every operation must be in one group. */
export const OPERATION_GROUPS: readonly { title: string; kinds: readonly string[] }[] = [
  {
    title: 'Columns',
    kinds: [
      'add_column',
      'drop_column',
      'rename_column',
      'change_type',
      'set_not_null',
      'drop_not_null',
      'set_default',
      'drop_default',
    ],
  },
  { title: 'Indexes', kinds: ['create_index', 'drop_index'] },
  {
    title: 'Constraints',
    kinds: [
      'add_check',
      'add_foreign_key',
      'add_unique',
      'add_primary_key',
      'validate_constraint',
      'drop_constraint',
      'rename_constraint',
    ],
  },
  { title: 'Tables', kinds: ['create_table', 'drop_table', 'rename_table', 'set_comment', 'set_replica_identity'] },
  { title: 'Data', kinds: ['backfill', 'verify', 'check'] },
  { title: 'Flags and gates', kinds: ['flag_rollout', 'gate'] },
  { title: 'Raw SQL', kinds: ['sql'] },
  {
    title: 'Materialized views',
    kinds: ['create_materialized_view', 'refresh_materialized_view', 'replace_materialized_view', 'schedule_refresh'],
  },
  { title: 'Blue/green', kinds: ['replicate', 'catch_up', 'switch', 'drop_replication'] },
];
