/**
 * Seed 004's rename (orders.client_id becomes customer_id) from the application's side, while
 * plans/rename-orders-client-id.yaml runs: one repository knows only client_id, the other only
 * customer_id, and createMigratingRepository routes between them by feature flag.
 *
 * Flags (rows in schemashift.feature_flags, set with `schemashift flags set`):
 *   Orders.DualWrite        writes go through both repositories (old first)
 *   Orders.ShadowRead       reads run on both, differences land in schemashift.shadow_mismatches
 *   UseNewCustomerIdColumn  reads come from customer_id (Targeting: sticky per user)
 * The plan's `gate: { shadow_clean: { since: 1h, repository: Orders } }` then refuses to go on
 * while the last hour recorded a difference.
 */
import { FeatureManager } from '@microsoft/feature-management';
import pg from 'pg';
import {
  createMigratingRepository,
  DatabaseFeatureFlagProvider,
  databaseMismatchRecorder,
  PercentageFilter,
} from 'schemashift/app';

export interface Order {
  id: number;
  customerId: number;
  total: string;
}

export interface OrdersRepository {
  get(id: number): Promise<Order | null>;
  findByCustomer(customerId: number): Promise<Order[]>;
  place(order: Order): Promise<void>;
}

function ordersBy(pool: pg.Pool, column: 'client_id' | 'customer_id'): OrdersRepository {
  const select = `SELECT id::int AS "id", ${column}::int AS "customerId", total::text AS "total" FROM orders`;
  return {
    get: async (id) => (await pool.query<Order>(`${select} WHERE id = $1`, [id])).rows[0] ?? null,
    findByCustomer: async (customerId) =>
      (await pool.query<Order>(`${select} WHERE ${column} = $1 ORDER BY id`, [customerId])).rows,
    // Upsert: in dual-write both repositories write the same row (the plan's sync trigger keeps the
    // two columns in step), so the second write must not collide with the first.
    place: async (o) =>
      void (await pool.query(
        `INSERT INTO orders (id, ${column}, total) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET ${column} = EXCLUDED.${column}, total = EXCLUDED.total`,
        [o.id, o.customerId, o.total],
      )),
  };
}

/** Start-up: one pool, flags cached and refreshed every 30 s, the orders repository behind its flags. */
export async function startOrders(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl });
  const flags = new DatabaseFeatureFlagProvider(pool, { onError: (e) => console.error(e.message) });
  await flags.load();
  const features = new FeatureManager(flags, { customFilters: [new PercentageFilter()] });
  const orders = createMigratingRepository(ordersBy(pool, 'client_id'), ordersBy(pool, 'customer_id'), {
    name: 'Orders',
    methods: { get: 'read', findByCustomer: 'read', place: 'write' },
    flags: features,
    flagNames: { readNew: 'UseNewCustomerIdColumn' },
    recorder: databaseMismatchRecorder(pool),
  });
  const close = async () => {
    flags.close();
    await orders.whenIdle();
    await pool.end();
  };
  return { orders, close };
}

/** A request handler: the signed-in user is the targeting context, so each user sticks to one side. */
export async function customerOrders(
  app: Awaited<ReturnType<typeof startOrders>>,
  userId: string,
  customerId: number,
): Promise<Order[]> {
  return app.orders.withContext({ userId }).findByCustomer(customerId);
}
