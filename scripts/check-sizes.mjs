#!/usr/bin/env node
// Fails when a shipped source file is over MAX_FILE_LINES lines or a function in one is over
// MAX_FUNCTION_LINES lines. The sources are exactly what each package's tsconfig.build.json compiles
// (tests, type tests and the test-only helpers it excludes stay out: client and protocol
// `src/testing/`, server `src/test-support/`; the server's `src/testing/` ships and is checked).
// A function may be longer when the line above it says why: `// long function: <reason>`. A file
// or a function may also sit in EXCEPTIONS below, with a reason; an entry that no longer excuses
// anything (the file shrank or is gone) fails too, so the list only shrinks.
//
// Usage: node scripts/check-sizes.mjs   (npm run lint:sizes; part of npm run lint)
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const LONG_FUNCTION = /\/\/\s*long function:\s*\S/;

/**
 * Excused files (`path`: its length) and functions (`path#name`, the name as this script prints
 * it), each with its reason.
 */
const EXCEPTIONS = {};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The .ts files a package's build compiles, as paths relative to the repository root. */
function shippedSources(packageDir) {
  const configPath = join(packageDir, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
  const src = join(packageDir, 'src') + '/';
  return parsed.fileNames
    .filter((file) => file.startsWith(src) && file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => relative(root, file));
}

/** What a function is called in the report: its own name, or the name it is assigned to. */
function functionName(node) {
  const text = (name) => (name === undefined ? undefined : name.getText());
  const owner = (member) => (ts.isClassLike(member.parent) ? `${member.parent.name?.getText() ?? '<class>'}.` : '');
  if (ts.isConstructorDeclaration(node)) return `${owner(node)}constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    return `${owner(node)}${text(node.name)}`;
  }
  if (ts.isFunctionDeclaration(node)) return text(node.name) ?? '<default export>';
  const { parent } = node;
  if (ts.isFunctionExpression(node) && node.name) return node.name.getText();
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return text(parent.name);
  if (ts.isPropertyDeclaration(parent)) return `${owner(parent)}${text(parent.name)}`;
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
    return `<callback of ${parent.expression.getText().slice(0, 40)}>`;
  }
  return '<anonymous>';
}

function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

/** Functions over the limit in one file, without a `// long function:` line above them. */
function longFunctions(path, text) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines = text.split('\n');
  const found = [];
  const visit = (node) => {
    if (isFunction(node) && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const length = last - first + 1;
      // An arrow assigned in a statement starts on that statement's line; the comment sits above it.
      if (length > MAX_FUNCTION_LINES && !LONG_FUNCTION.test(lines[first - 1] ?? '')) {
        found.push({ line: first + 1, name: functionName(node), length });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const offenders = [];
const used = new Set();
const excused = (key) => {
  if (!(key in EXCEPTIONS)) return false;
  used.add(key);
  return true;
};
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(root, 'packages', entry.name));

for (const path of packages.flatMap(shippedSources).sort()) {
  const text = ts.sys.readFile(join(root, path)) ?? '';
  const lineCount = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  if (lineCount > MAX_FILE_LINES && !excused(path)) {
    offenders.push(`${path}:1  file  ${lineCount} lines (limit ${MAX_FILE_LINES})`);
  }
  for (const { line, name, length } of longFunctions(path, text)) {
    if (excused(`${path}#${name}`)) continue;
    offenders.push(`${path}:${line}  ${name}  ${length} lines (limit ${MAX_FUNCTION_LINES})`);
  }
}
for (const key of Object.keys(EXCEPTIONS).filter((entry) => !used.has(entry))) {
  offenders.push(`${key}  stale exception: nothing over the limit there any more; remove the entry`);
}

if (offenders.length > 0) {
  for (const offender of offenders) console.error(offender);
  console.error(
    `\n${offenders.length} finding(s). Split the file or function, or say why above a function: ` +
      `// long function: <reason> (scripts/check-sizes.mjs)`,
  );
  process.exit(1);
}
console.log(`check-sizes: no shipped source over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`);
