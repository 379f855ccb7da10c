// Injected into the CommonJS bundle of the CLI (scripts/bundle.mjs): what
// import.meta.url is in the ES modules it is built from.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
