/** The commands hints print, ready to copy: `schemashift VERB FILE [scope] [extra]`. */
export type CommandFor = (verb: string, extra?: string) => string;

/** `scope` keeps the command on the same fleet target (`--targets T.yaml --target NAME`). */
export function commandFor(file: string, scope?: string): CommandFor {
  return (verb, extra) => ['schemashift', verb, file, scope, extra].filter((part) => part).join(' ');
}
