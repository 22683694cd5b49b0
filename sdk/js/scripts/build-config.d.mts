import type { BuildOptions } from "esbuild";
export declare const root: string;
export declare const elementBuild: BuildOptions & { outfile: string };
export declare const reactBuild: BuildOptions & { outfile: string };
