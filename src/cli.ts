import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { runUnbake, runVerify } from './cli-verify.js';
import { ConfigError, loadConfig } from './config.js';
import { migrate, openDatabase, restrictDatabaseFiles } from './db/database.js';
import { AppError, ValidationError } from './errors.js';
import { createRepos } from './repos/index.js';
import { createServiceContext } from './services/context.js';
import { createServices } from './services/index.js';

// stdout carries the result only; every diagnostic goes to stderr.
const fail = (message: string, code = 1): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};

const USAGE = `Usage: npm run kiln -- <command>
  user add --email E [--password-stdin] [--admin]   create an account
  token create --email E [--name N]                 print a new API token for that account
  backup <file>                                     write a consistent copy of the database (safe while Kiln runs)
  unbake <file>                                     print the Open Badges data baked into a PNG or SVG
  verify <file-or-url> [--email E] [--json]         verify a badge; exit code 0 when valid, 1 otherwise`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function prompt(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    if (hidden) {
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stderr.write(s);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
  });
}

function services() {
  const config = loadConfig();
  const db = openDatabase(path.join(config.dataDir, 'kiln.db'));
  migrate(db);
  const repos = createRepos(db);
  return createServices(createServiceContext(db, repos, config));
}

async function userAdd(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, admin: { type: 'boolean' } },
  });
  let email = values.email;
  let password: string;
  if (values['password-stdin']) {
    if (!email) fail('--email is required.');
    password = await readStdin();
  } else if (process.stdin.isTTY) {
    email ??= await prompt('Email: ', false);
    password = await prompt('Password: ', true);
  } else {
    return fail('No terminal to prompt on: pass --email and --password-stdin.');
  }
  const user = await services().accounts.addUser({ email: email!, password, admin: values.admin ?? false });
  process.stdout.write(`${user.id}\n`);
  process.stderr.write(`Created ${user.email}${user.isAdmin ? ' (site admin)' : ''}.\n`);
}

function tokenCreate(args: string[]) {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, name: { type: 'string' } } });
  if (!values.email) fail('--email is required.');
  const s = services();
  const user = s.accounts.findUserByEmail(values.email!);
  if (!user) fail(`No account uses ${values.email}.`);
  const { token } = s.accounts.createApiToken(user!.id, { name: values.name ?? 'CLI token' });
  process.stdout.write(`${token}\n`);
}

/** SQLite's online backup: consistent even while the server keeps writing. */
async function backup(args: string[]) {
  const target = args[0];
  if (!target) fail(`backup needs a file name.\n${USAGE}`, 2);
  const config = loadConfig();
  const db = openDatabase(path.join(config.dataDir, 'kiln.db'));
  migrate(db);
  // All pages in one step, inside one read transaction: SQLite restarts a step-by-step backup whenever another
  // process writes between steps, so against a busy server it could copy forever. WAL lets the server keep writing.
  // A backup holds everything the database does: the file is made (or tightened) owner-only before a page is copied
  // into it, and SQLite gives its journal the same mode.
  const copy = path.resolve(target!);
  fs.closeSync(fs.openSync(copy, 'a', 0o600));
  restrictDatabaseFiles(copy);
  await db.backup(copy, { progress: () => 0x7fffffff });
  db.close();
  process.stdout.write(`${path.resolve(target!)}\n`);
}

async function main(argv: string[]) {
  const [group, action, ...rest] = argv;
  if (group === 'user' && action === 'add') return userAdd(rest);
  if (group === 'token' && action === 'create') return tokenCreate(rest);
  if (group === 'backup') return backup(action === undefined ? [] : [action, ...rest]);
  // exitCode rather than exit(), so stdout is flushed first.
  if (group === 'unbake') {
    process.exitCode = await runUnbake(argv.slice(1));
    return;
  }
  if (group === 'verify') {
    process.exitCode = await runVerify(argv.slice(1));
    return;
  }
  fail(USAGE, group ? 2 : 0);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ValidationError) fail(Object.values(err.fields).join('\n'));
  if (err instanceof AppError || err instanceof ConfigError) fail(err.message);
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) fail(`${err.message}\n${USAGE}`, 2);
  fail(`Unexpected error: ${(err as Error).message}`);
});
