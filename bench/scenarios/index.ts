/** Every scenario, in the order they run. */
import type { Scenario } from '../lib/types.js';
import { capacityScenario } from './capacity.js';
import { databaseScenario } from './database.js';
import {
  fullBucketScenario,
  highLatencyScenario,
  inFlightScenario,
  perSecondScenario,
  tpmBoundScenario,
} from './edge.js';
import { efficiencyScenario } from './efficiency.js';
import { memoryScenario } from './memory.js';
import { overheadScenario } from './overhead.js';
import { pauseScenario } from './pause.js';
import { resumeScenario } from './resume.js';

/** The scenarios of `npm run bench`. */
export const SCENARIOS: readonly Scenario[] = [
  efficiencyScenario,
  overheadScenario,
  memoryScenario,
  resumeScenario,
  pauseScenario,
  databaseScenario,
  capacityScenario,
  perSecondScenario,
  fullBucketScenario,
  highLatencyScenario,
  tpmBoundScenario,
  inFlightScenario,
];
