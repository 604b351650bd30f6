/**
 * Writes `count` plan files into `dir`, copies of plans/*.yaml (round robin), each renamed
 * `<name>-<n>` so that validate sees no duplicate names: a realistic CI folder of plans.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function generatePlans(
  dir: string,
  count: number,
  source = new URL('../plans/', import.meta.url),
): Promise<string[]> {
  const names = (await readdir(source)).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0) throw new Error(`no plan files in ${source.pathname}`);
  const texts = await Promise.all(names.map((n) => readFile(new URL(n, source), 'utf8')));
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = (texts[i % texts.length] ?? '').replace(
      /^name: (\S+)/m,
      (_, name: string) => `name: ${name}-${i + 1}`,
    );
    const file = join(dir, `${String(i + 1).padStart(3, '0')}-${names[i % names.length] ?? 'plan.yaml'}`);
    await writeFile(file, text);
    files.push(file);
  }
  return files;
}
