import { readFile } from 'node:fs/promises';
import { WIZARD_STEPS, type WizardState, type WizardStep } from '../../shared/api.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';
import { SerialQueue } from '../support/serial-queue.ts';

const INITIAL: WizardState = { step: 'welcome', completed: [], finished: false };

const isStep = (v: unknown): v is WizardStep => typeof v === 'string' && (WIZARD_STEPS as readonly string[]).includes(v);

/**
 * Where the wizard is, kept in dataDir/wizard.json so that closing the window (or restarting the
 * service) halfway through loses nothing. Anything unreadable counts as a fresh start rather than
 * an error: the wizard is re-runnable and the real settings live in the config.
 */
export class WizardStore {
  private readonly path: string;
  private readonly writes = new SerialQueue();

  constructor(dataDir: string) {
    this.path = new DataDir(dataDir).wizard;
  }

  async get(): Promise<WizardState> {
    try {
      return normalize(JSON.parse(await readFile(this.path, 'utf8')));
    } catch {
      return structuredClone(INITIAL);
    }
  }

  /** Validates and stores the state; returns what was stored. Writes are serialized. */
  save(state: WizardState): Promise<WizardState> {
    const clean = normalize(state);
    return this.writes.run(() => writeFileAtomic(this.path, JSON.stringify(clean, null, 2) + '\n', 0o600)).then(() => clean);
  }
}

function normalize(v: unknown): WizardState {
  if (typeof v !== 'object' || v === null) return structuredClone(INITIAL);
  const o = v as Record<string, unknown>;
  const completed = Array.isArray(o.completed) ? o.completed.filter(isStep) : [];
  return {
    step: isStep(o.step) ? o.step : 'welcome',
    // keep wizard order and drop duplicates, whatever order the UI sent
    completed: WIZARD_STEPS.filter((s) => completed.includes(s)),
    finished: o.finished === true,
  };
}
