/** Cross-field rules the schema cannot express; each returns `path: message` problems. */
import { engineConfigs, type Config } from './schema.js';
import type { EngineConfig } from './source-parts.js';
import { isTimeZone } from './time.js';

export function checkRules(config: Config): string[] {
  const problems: string[] = [];
  const storageNames = new Set(Object.keys(config.storage));
  const sourceNames = new Set(Object.keys(config.sources));

  for (const [name, source] of Object.entries(config.sources)) {
    const at = `sources.${name}`;
    const mode = source.tenants.mode;
    const { modes }: EngineConfig = engineConfigs[source.type];
    if (!modes.includes(mode)) {
      problems.push(`${at}.tenants.mode: "${mode}" is not available for ${source.type} sources (use ${modes.join(', ')})`);
    }
    if ((mode === 'database' || mode === 'schema') && !source.tenants.match && !source.tenants.query) {
      problems.push(`${at}.tenants: mode "${mode}" needs "match" (a LIKE pattern) or "query"`);
    }
    if (mode === 'rows' && !source.tenants.column) problems.push(`${at}.tenants.column: mode "rows" needs the tenant column, e.g. "org_id"`);
    if (mode === 'rows' && !source.tenants.query) {
      problems.push(`${at}.tenants.query: mode "rows" needs a query returning the tenant ids, e.g. "SELECT id, slug AS name FROM organizations"`);
    }
    if ('password' in source && source.password && source.passwordFile) {
      problems.push(`${at}: set "password" or "passwordFile", not both`);
    }
  }

  const checkStorageList = (list: string[] | undefined, at: string) =>
    list?.forEach((s, i) => {
      if (!storageNames.has(s)) problems.push(`${at}.${i}: unknown storage "${s}" (defined: ${[...storageNames].join(', ')})`);
    });
  checkStorageList(config.defaults.storage, 'defaults.storage');
  for (const [name, schedule] of Object.entries(config.schedules)) {
    checkStorageList(schedule.storage, `schedules.${name}.storage`);
    schedule.sources?.forEach((s, i) => {
      if (!sourceNames.has(s)) problems.push(`schedules.${name}.sources.${i}: unknown source "${s}" (defined: ${[...sourceNames].join(', ')})`);
    });
  }
  if (config.retention?.plans?.source && !sourceNames.has(config.retention.plans.source)) {
    problems.push(`retention.plans.source: unknown source "${config.retention.plans.source}"`);
  }
  problems.push(...planLimitProblems(config));
  const zone = config.retention?.timezone;
  if (zone !== undefined && !isTimeZone(zone)) problems.push(`retention.timezone: "${zone}" is not a time zone (use an IANA name such as UTC or Europe/Berlin)`);
  const enc = config.encryption;
  if (enc) {
    if (enc.passphrase && enc.passphraseFile) problems.push('encryption: set "passphrase" or "passphraseFile", not both');
    const hasRecipients = enc.recipients.length > 0 || !!enc.recipientsFile || !!enc.tenantRecipients;
    if (hasRecipients && (enc.passphrase || enc.passphraseFile)) {
      problems.push('encryption: use recipients (public keys) or a passphrase, not both');
    }
    if (!hasRecipients && !enc.passphrase && !enc.passphraseFile) {
      problems.push('encryption: set "recipients" (age public keys), "recipientsFile", or "passphrase"/"passphraseFile"');
    }
  }
  return problems;
}

/** A plan's limits.schedules must name schedules the config defines (a typo would silently forbid every run). */
function planLimitProblems(config: Config): string[] {
  const defined = Object.keys(config.schedules);
  const problems: string[] = [];
  for (const [plan, policy] of Object.entries(config.retention?.plans ?? {})) {
    if (typeof policy !== 'object') continue;
    policy.limits?.schedules?.forEach((s, i) => {
      if (!config.schedules[s]) problems.push(`retention.plans.${plan}.limits.schedules.${i}: unknown schedule "${s}" (defined: ${defined.join(', ') || 'none'})`);
    });
  }
  return problems;
}
