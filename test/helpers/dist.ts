// The compiled tree (dist/), for tests that run it in a child process.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** dist/…parts, compiled first (tsc) when that file is missing. */
export function builtDist(...parts: string[]): string {
  const file = path.join(ROOT, 'dist', ...parts);
  if (!fs.existsSync(file)) execFileSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  return file;
}
