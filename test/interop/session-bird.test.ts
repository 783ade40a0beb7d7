/** Issue 3 interop scenarios against bird (see session-scenarios.ts). */
import t from 'tap';
import { sessionScenarios } from './session-scenarios';

t.setTimeout(300_000);
sessionScenarios(t, 'bird');
