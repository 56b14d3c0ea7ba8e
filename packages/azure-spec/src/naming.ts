/**
 * The naming rules of the generated modules (docs/decisions/0006-azure-generated-naming.md):
 * module from namespace, class from the last type segment, name args from singular segments.
 */

/**
 * The module of a provider namespace: without `Microsoft.`, lowercased; other dots become `-`
 * (`Microsoft.Network` -> `network`, `Dynatrace.Observability` -> `dynatrace-observability`).
 */
export function moduleOfNamespace(namespace: string): string {
  const lower = namespace.toLowerCase();
  const bare = lower.startsWith("microsoft.") ? lower.slice("microsoft.".length) : lower;
  return bare.replace(/[^a-z0-9]+/g, "-");
}

/** The namespace part of an ARM type (`Microsoft.Network/virtualNetworks` -> `Microsoft.Network`). */
export function namespaceOf(armType: string): string {
  const slash = armType.indexOf("/");
  return slash < 0 ? armType : armType.slice(0, slash);
}

/** The module an ARM type belongs to. */
export function moduleOfArmType(armType: string): string {
  return moduleOfNamespace(namespaceOf(armType));
}

// Words whose plural is not a rule's: checked on the last camelCase word, lowercased.
const IRREGULAR: Readonly<Record<string, string>> = {
  data: "data",
  metadata: "metadata",
  series: "series",
  species: "species",
  news: "news",
  analyses: "analysis",
  diagnoses: "diagnosis",
  bases: "base",
  cases: "case",
  databases: "database",
  releases: "release",
  leases: "lease",
  purchases: "purchase",
  responses: "response",
  licenses: "license",
  expenses: "expense",
  phases: "phase",
  phrases: "phrase",
  courses: "course",
  uses: "use",
  caches: "cache",
  niches: "niche",
  avalanches: "avalanche",
  schemas: "schema",
  criteria: "criterion",
  people: "person",
  children: "child",
  indices: "index",
  vertices: "vertex",
  matrices: "matrix",
  appliances: "appliance",
  instances: "instance",
  services: "service",
  devices: "device",
  resources: "resource",
  sources: "source",
  spaces: "space",
  places: "place",
  faces: "face",
  interfaces: "interface",
  surfaces: "surface",
  prices: "price",
  choices: "choice",
  voices: "voice",
  invoices: "invoice",
  slices: "slice",
  policies: "policy",
  movies: "movie",
  cookies: "cookie",
  zombies: "zombie",
  ties: "tie",
  lies: "lie",
  pies: "pie",
  dies: "die",
  horses: "horse",
  houses: "house",
  warehouses: "warehouse",
  lakehouses: "lakehouse",
  clauses: "clause",
  pauses: "pause",
  causes: "cause",
  edges: "edge",
  bridges: "bridge",
  ranges: "range",
  changes: "change",
  exchanges: "exchange",
  images: "image",
  messages: "message",
  packages: "package",
  pages: "page",
  stages: "stage",
  storages: "storage",
  usages: "usage",
  wages: "wage",
  gateways: "gateway",
  keys: "key",
  days: "day",
  ways: "way",
  relays: "relay",
  arrays: "array",
  displays: "display",
  replays: "replay",
  overlays: "overlay",
  delays: "delay",
  plays: "play",
  quotas: "quota",
  alias: "alias",
  status: "status",
  access: "access",
  analysis: "analysis",
  diagnosis: "diagnosis",
  basis: "basis",
  dns: "dns",
  sas: "sas",
  gas: "gas",
  bus: "bus",
  os: "os",
  https: "https",
  kubernetes: "kubernetes",
  settings: "setting",
  // Plurals of words ending in -i or -u, which the -is / -us rules would keep.
  apis: "api",
  wikis: "wiki",
  slis: "sli",
  slos: "slo",
  kpis: "kpi",
  taxis: "taxi",
  skus: "sku",
  menus: "menu",
};

/** The singular of one lowercase word by English rules plus the table above. */
function singularWord(word: string): string {
  const lower = word.toLowerCase();
  const irregular = IRREGULAR[lower];
  if (irregular !== undefined) return irregular;
  if (lower.length <= 2) return lower;
  if (lower.endsWith("ies")) return lower.slice(0, -3) + "y";
  if (/(sses|shes|ches|xes|zes)$/.test(lower)) return lower.slice(0, -2);
  if (/(ases|uses)$/.test(lower)) return lower.slice(0, -2);
  if (/(ss|us|is)$/.test(lower)) return lower;
  if (lower.endsWith("s")) return lower.slice(0, -1);
  return lower;
}

/** Splits a camelCase / PascalCase / kebab / snake word into its words, keeping acronym runs together. */
export function words(name: string): string[] {
  return name
    .replace(/[^A-Za-z0-9]+/g, " ")
    // An acronym's plural stays one word: `HSMs`, `VMs` (not `HS Ms`).
    .replace(/([A-Z]{2,})s(?![a-z])/g, "$1\u0001")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/\u0001/g, "s"))
    .filter((w) => w.length > 0);
}

/**
 * The singular of a type segment, in camelCase: `virtualNetworks` -> `virtualNetwork`,
 * `userAssignedIdentities` -> `userAssignedIdentity`, `registries` -> `registry`,
 * `policies` -> `policy`, `addresses` -> `address`. Only the last word changes.
 */
export function singular(segment: string): string {
  // A version suffix after the plural: `backupsV2` -> `backupV2`, `serverGroupsv2` -> `serverGroupv2`.
  const versioned = /^(.*[a-z])s([Vv]\d+)$/.exec(segment);
  if (versioned) return `${singular(`${versioned[1]}s`)}${versioned[2]}`;
  const ws = words(segment);
  if (ws.length === 0) return segment;
  const last = ws[ws.length - 1]!;
  const sing = singularWord(last);
  // Keep the spelling of the original word where only its plural ending went away.
  const kept = last.toLowerCase().startsWith(sing) ? last.slice(0, sing.length) : sing;
  return camel([...ws.slice(0, -1), kept]);
}

/** Words (or one name) to camelCase: the first word lowercased, acronyms kept as written later on. */
export function camel(ws: readonly string[] | string): string {
  const list = typeof ws === "string" ? words(ws) : ws;
  return list
    .map((w, i) => (i === 0 ? lowerFirstWord(w) : upperFirst(w)))
    .join("");
}

/** PascalCase of a name: `virtualNetwork` -> `VirtualNetwork`, `dnsZones` -> `DnsZones`. */
export function pascal(name: string): string {
  return words(name).map(upperFirst).join("");
}

function upperFirst(w: string): string {
  return w.length === 0 ? w : w[0]!.toUpperCase() + w.slice(1);
}

// `DNSZone` -> `dnsZone`, `URL` -> `url`: an all-capitals first word is lowered whole.
function lowerFirstWord(w: string): string {
  if (/^[A-Z0-9]+s?$/.test(w)) return w.toLowerCase();
  return w[0]!.toLowerCase() + w.slice(1);
}

/** The class of a type segment: singular PascalCase (`virtualNetworks/subnets` -> `Subnet`). */
export function className(segment: string): string {
  return pascal(singular(segment));
}

/** The name arg of a type segment: singular camelCase + `Name` (`virtualNetworks` -> `virtualNetworkName`). */
export function nameArgOf(segment: string): string {
  return `${singular(segment)}Name`;
}

/**
 * Classes named otherwise than by the rule, for the types users know by another name from the
 * portal, the Azure CLI and Pulumi (and, for the hand-written types of `@iac/azure`, so that one
 * token keeps one class). Keyed by the lowercased ARM type.
 */
export const CLASS_OVERRIDES: Readonly<Record<string, string>> = {
  // The hand-written `azure:storage:FileShare` (the rule would say `Share`).
  "microsoft.storage/storageaccounts/fileservices/shares": "FileShare",
  // The rule says `Container`, which Cosmos DB and container instances also use in other modules.
  "microsoft.storage/storageaccounts/blobservices/containers": "BlobContainer",
  // The rule says `ServerDatabase` (a tie with managedInstances/databases): SQL users say Database.
  "microsoft.sql/servers/databases": "Database",
  // The portal and the CLI call them App Service plans and web apps (`az appservice plan`, `az webapp`).
  "microsoft.web/serverfarms": "AppServicePlan",
  "microsoft.web/sites": "WebApp",
};
