// SPDX-License-Identifier: MIT
// Option and info names: 'CURLOPT_FOLLOWLOCATION', 'FOLLOWLOCATION' and
// 'followlocation' (the generated camelCase rule) all name the same option.
import { EASY_OPTION_CAMEL, INFO_CAMEL } from './generated/names.js';
import { EASY_OPTION_ALIASES, EASY_OPTIONS, MULTI_OPTIONS, type EasyOptionName, type MultiOptionName, type OptionSpec } from './generated/options.js';
import { INFO_ALIASES, INFOS, type InfoName, type InfoSpec } from './generated/infos.js';

function lookup<T extends string, S>(
  name: string,
  prefix: string,
  table: Record<T, S>,
  camel: Readonly<Record<string, T>>,
  aliases: Readonly<Record<string, T>> = {},
): [T, S] | undefined {
  const bare = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  // own properties only: 'constructor' or '__proto__' name no option
  const key = (Object.hasOwn(table, bare) ? bare : Object.hasOwn(aliases, bare) ? aliases[bare] : Object.hasOwn(camel, name) ? camel[name] : undefined) as
    | T
    | undefined;
  return key === undefined ? undefined : [key, table[key]];
}

/** Every spelling seen, resolved once: setOpt runs for each option of each request. */
const easyOptionCache = new Map<string, readonly [EasyOptionName, OptionSpec]>();

export function easyOption(name: string): readonly [EasyOptionName, OptionSpec] {
  const cached = easyOptionCache.get(name);
  if (cached) return cached;
  const found = lookup(
    name,
    'CURLOPT_',
    EASY_OPTIONS as Record<EasyOptionName, OptionSpec>,
    EASY_OPTION_CAMEL,
    EASY_OPTION_ALIASES as Record<string, EasyOptionName>,
  );
  if (!found) throw new TypeError(`unknown curl option "${name}"`);
  // bounded: names come from code, but a caller could pass many unknown-case spellings
  if (easyOptionCache.size < 4096) easyOptionCache.set(name, found);
  return found;
}

export function multiOption(name: string): [MultiOptionName, OptionSpec] {
  const found = lookup(name, 'CURLMOPT_', MULTI_OPTIONS as Record<MultiOptionName, OptionSpec>, {});
  if (!found) throw new TypeError(`unknown curl multi option "${name}"`);
  return found;
}

export function info(name: string): [InfoName, InfoSpec] {
  const found = lookup(name, 'CURLINFO_', INFOS as Record<InfoName, InfoSpec>, INFO_CAMEL, INFO_ALIASES);
  if (!found) throw new TypeError(`unknown curl info "${name}"`);
  return found;
}
