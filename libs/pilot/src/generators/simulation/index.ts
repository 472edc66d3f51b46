/** The traffic simulator over generated LDS/RDS/CDS (tests assert behaviour with it). */
export { Simulation, simulationInput } from './simulator';
export type {
  Capture,
  ClientTls,
  SimulatedRedirect,
  SimulationError,
  SimulationInput,
  SimulationRequest,
  SimulationResult,
  WeightedDestination,
} from './model';
