/** serial types are CREATE TABLE shorthand: the column's type in the catalog is the integer type behind them. */
const SERIAL_BASE: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

/** The type the catalog shows for a column declared with `type` (serial → its integer type). */
export function catalogType(type: string): string {
  return SERIAL_BASE[type.trim().toLowerCase()] ?? type;
}
