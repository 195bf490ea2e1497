/**
 * The public BEIR datasets: where BEIR publishes each zip, its size and its md5.
 *
 * md5s: the "Available Datasets" table of the BEIR README (github.com/beir-cellar/beir, README.md,
 * column "md5", made with `md5sum NAME.zip`). Sizes in bytes: ir_datasets' download registry
 * (github.com/allenai/ir_datasets, ir_datasets/etc/downloads.json, "beir" → size_hint), whose
 * expected_md5 for each of these URLs is the same as BEIR's. Only datasets BEIR publishes a zip
 * and an md5 for are here (BioASQ, Signal-1M, TREC-NEWS and Robust04 are not public).
 */
import { UsageError } from "../errors.js";

export interface CatalogEntry {
  /** BEIR's name, which is also the zip's name: `${name}.zip`. */
  name: string;
  /** The zip's size in bytes (a hint: the server's Content-Length decides). */
  zipBytes: number;
  /** md5 of the whole zip, lower-case hex, as BEIR publishes it. */
  md5: string;
}

export type Catalog = readonly CatalogEntry[];

export const DEFAULT_BASE_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets";

/** The environment variable that replaces DEFAULT_BASE_URL (a mirror, or a test server). */
export const BASE_URL_ENV = "RERANK_EVAL_DATASETS_URL";

export const BEIR_CATALOG: Catalog = [
  { name: "msmarco", zipBytes: 1_082_258_632, md5: "444067daf65d982533ea17ebd59501e4" },
  { name: "trec-covid", zipBytes: 73_876_720, md5: "ce62140cb23feb9becf6270d0d1fe6d1" },
  { name: "nfcorpus", zipBytes: 2_448_432, md5: "a89dba18a62ef92f7d323ec890a0d38d" },
  { name: "nq", zipBytes: 498_307_926, md5: "d4d3d2e48787a744b6f6e691ff534307" },
  { name: "hotpotqa", zipBytes: 654_025_350, md5: "f412724f78b0d91183a0e86805e16114" },
  { name: "fiqa", zipBytes: 17_948_027, md5: "17918ed23cd04fb15047f73e6c3bd9d9" },
  { name: "arguana", zipBytes: 3_773_617, md5: "8ad3e3c2a5867cdced806d6503f29b99" },
  { name: "webis-touche2020", zipBytes: 227_132_363, md5: "46f650ba5a527fc69e0a6521c5a23563" },
  { name: "cqadupstack", zipBytes: 5_343_728_040, md5: "4e41456d7df8ee7760a7f866133bda78" },
  { name: "quora", zipBytes: 15_853_968, md5: "18fb154900ba42a600f84b839c173167" },
  { name: "dbpedia-entity", zipBytes: 639_285_131, md5: "c2a39eb420a3164af735795df012ac2c" },
  { name: "scidocs", zipBytes: 142_471_588, md5: "38121350fc3a4d2f48850f6aff52e4a9" },
  { name: "fever", zipBytes: 1_236_988_269, md5: "5a818580227bfb4b35bb6fa46d9b6c03" },
  { name: "climate-fever", zipBytes: 1_228_666_652, md5: "8b66f0a9126c521bae2bde127b4dc99d" },
  { name: "scifact", zipBytes: 2_816_079, md5: "5f7d1de60b170fc8027bb7898e2efca1" },
];

/** The catalog entry named `name`, or a UsageError listing the names (the CLI adds "did you mean"). */
export function findDataset(name: string, catalog: Catalog = BEIR_CATALOG): CatalogEntry {
  const entry = catalog.find((e) => e.name === name.trim().toLowerCase());
  if (entry) return entry;
  throw new UsageError(
    `no dataset '${name}' in the catalog; the datasets are ${catalog.map((e) => e.name).join(", ")}`,
  );
}

/**
 * The base URL: the flag, else the environment variable, else BEIR's own. Checked here, so that a
 * typo is one line naming where it came from rather than an undici error at the first request.
 */
export function resolveBaseUrl(flag: string | undefined, env = process.env): string {
  const given = flag ?? env[BASE_URL_ENV];
  const from = flag !== undefined ? "--base-url" : BASE_URL_ENV;
  if (given === undefined || given.trim() === "") return DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    throw new UsageError(`${from} must be an http(s) URL, got '${given}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${from} must be an http(s) URL, got '${given}'`);
  return url.href.replace(/\/+$/, "");
}

/** Where `name`'s zip is published under `baseUrl`. */
export function zipUrl(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(name)}.zip`;
}
