export { ConfigError, type ConfigSource, type ConfigErrorDetails } from './config-error.js';
export { loadConfig, loadConfigDetailed, type ConfigSources, type LoadedConfig } from './load-config.js';
export { redactConfig, REDACTED } from './redact.js';
export { OPTION_SPECS, CONFIG_FILE_SPEC, type OptionSpec } from './option-specs.js';
export { CONFIG_FLAG_OPTIONS } from './sources.js';
