/**
 * Loaded before every test file (`node --import`): points HOME and XDG_STATE_HOME of the test
 * process, and so of every child it spawns, at a fresh temporary folder. Whatever path a test
 * forgets to isolate, the suite never reads or writes the user's own key ledger
 * (docs/ledger.md), and one run of the suite never sees what an earlier run left behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const home = mkdtempSync(join(tmpdir(), 'abg-test-home-'));
process.env['HOME'] = home;
process.env['XDG_STATE_HOME'] = join(home, '.local', 'state');
