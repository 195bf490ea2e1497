/** Open-loop load benchmarks (design.md's src/load): schedules, the sender, histograms, steps, search. */
export { decodeHistogram, LatencyHistogram } from "./histogram.js";
export { type LoadIo, type LoadOutcome, type LoadSettings, runLoad } from "./run-load.js";
export {
  type Arrival,
  constantSchedule,
  poissonSchedule,
  type Schedule,
  scheduleOf,
  withWarmupRamp,
} from "./schedule.js";
export { findMaxRate, type Phase, type Probe, type SearchOptions } from "./search.js";
export { runStep, type Send, type SendOutcome, type StepOutcome, type StepSpec } from "./sender.js";
export { parseSlo, SLO_PERCENTILES, type Slo } from "./slo.js";
export { type SyntheticSpec, writeSyntheticSet } from "./synthetic.js";
