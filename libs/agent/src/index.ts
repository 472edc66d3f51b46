/**
 * @mesh/agent: what runs beside the proxy engine. For now, transparent traffic capture: the
 * istio-iptables equivalent (`runCaptureCommand`, behind `proxy iptables`) and the original
 * destination of a redirected connection (`originalDestination`, for the capture listeners).
 */
export {
  type CaptureConfig,
  type Cidr,
  type CidrSelection,
  type PortSelection,
  CaptureConfigError,
  defaultCaptureConfig,
} from './capture/capture-config';
export {
  CAPTURE_CHAINS,
  CAPTURE_TABLE,
  type CaptureRuleSet,
  generateCaptureRules,
  restoreScript,
} from './capture/iptables-rules';
export { cleanupLines, parseSavedTable, type SavedTable } from './capture/iptables-cleanup';
export {
  type AppliedCapture,
  type CommandResult,
  type CommandRunner,
  type IptablesOptions,
  type RemovedCapture,
  IptablesError,
  applyCapture,
  cleanupCapture,
  readCaptureTable,
  spawnCommand,
} from './capture/iptables';
export {
  type CaptureCommandIo,
  captureConfigFromFlags,
  captureFlags,
  captureUsage,
  runCaptureCommand,
} from './capture/capture-command';
export {
  type OriginalDestination,
  ORIGINAL_DST_ADDON_FILE,
  originalDestination,
  originalDestinationOfFd,
  originalDstAddonCandidates,
} from './capture/original-dst';
