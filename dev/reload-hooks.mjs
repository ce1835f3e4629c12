// Module resolve hooks of `npm run dev`'s reloads (registered by dev/functions.ts with
// `module.register`, once per reload, after that reload's tsx namespace, so that they run first):
//
// - Packages are shared by every reload: tsx's namespace gives each reload fresh copies of the
//   project's modules (api/, lib/, routes.ts — what a save changes) but would also load every package
//   of node_modules again, growing the process by megabytes on each save. Their URLs lose the
//   namespace, so each package is loaded once per process.
// - When routes.ts defines no routes, the functions of api/ get dev/dev-routes.ts's router instead
//   (routes that log every event, so that a delivery shows an action); dev-routes.ts itself, and
//   anything else, still imports the real routes.ts. Plain JavaScript: hooks run before tsx can
//   compile anything for them.
let routesUrl = "";
let devRoutesUrl = "";
let apiDirUrl = "";

/** @param {{ routes: string, devRoutes: string, apiDir: string }} data */
export function initialize(data) {
  routesUrl = data.routes;
  devRoutesUrl = data.devRoutes;
  apiDirUrl = data.apiDir;
}

const withoutQuery = (url) => url.split("?")[0] ?? url;

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const [path, query] = result.url.split("?");
  if (path === undefined) return result;
  if (path.includes("/node_modules/") && query !== undefined && query.includes("tsx-namespace=")) {
    return { ...result, url: path };
  }
  if (path === routesUrl && withoutQuery(context.parentURL ?? "").startsWith(apiDirUrl)) {
    return { ...result, url: query === undefined ? devRoutesUrl : `${devRoutesUrl}?${query}` };
  }
  return result;
}
