/** Flags whose value is a secret: the printed command refers to an environment variable instead. */
const SECRET_FLAGS: Readonly<Record<string, string>> = {
  '--api-key': '"$OPENAI_API_KEY"',
  '--openai-api-key': '"$OPENAI_API_KEY"',
  '--db-url': '"$DATABASE_URL"',
};

/** Flags that must not be repeated when continuing (they would start the output afresh). */
const DROPPED_FLAGS = new Set(['--overwrite']);

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The command that continues a stopped run: the same arguments without `--overwrite`, with
 * `--resume`, and secrets replaced by the environment variable that holds them.
 *
 * @param args the run's arguments after the program name (e.g. `process.argv.slice(2)`)
 * @param program how the user calls the tool @default 'artist-bio-gen'
 */
export function continueCommand(args: readonly string[], program = 'artist-bio-gen'): string {
  const out: string[] = [];
  let hasResume = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const flag = name ?? arg;
    if (DROPPED_FLAGS.has(flag)) continue;
    if (flag === '--resume') hasResume = true;
    const secret = SECRET_FLAGS[flag];
    if (secret !== undefined) {
      out.push(flag, secret);
      if (inline === undefined) i++;
      continue;
    }
    out.push(inline === undefined ? quote(arg) : `${flag}=${quote(inline)}`);
  }
  if (!hasResume) out.push('--resume');
  return [program, ...out].join(' ');
}
