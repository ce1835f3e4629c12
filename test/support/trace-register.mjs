import { register } from "node:module";

register("./trace-loader.mjs", import.meta.url);
