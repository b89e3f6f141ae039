// The jobs gitlab-ci-local builds for one pipeline file, as JSON on stdout: its own parser and its
// own Job objects, so what it computes (inherited global variables, `parallel:matrix` instances,
// the variables of the rule that matches, service aliases as written) is compared, not assumed.
//
//   node gcl_jobs.mjs GCL_SRC_DIR PIPELINE_FILE [NAME=VALUE ...]
//
// Run in the project's directory (a git work tree). Exits 3 with gitlab-ci-local's message on
// stderr when it cannot build the pipeline.
import { pathToFileURL } from "url";
import path from "path";

const [src, file, ...pairs] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(path.join(src, name)).href);
const { Argv } = await load("argv.js");
const { Parser } = await load("parser.js");
const { WriteStreamsMock } = await load("write-streams.js");
const parallel = await load("parallel.js");

const plain = (value) => (value !== null && typeof value === "object" && !Array.isArray(value) ? value.value ?? "" : value);
const text = (value) => (value === null || value === undefined ? "" : String(plain(value)));

function variablesOf(job, globals, matrix) {
    // Job._variables holds gitlab-ci-local's predefined variables too: keep the names the
    // configuration itself gives (global, job, matrix, any rule), with the value gitlab-ci-local chose.
    const names = new Set([
        ...Object.keys(globals), ...Object.keys(job.jobData.variables ?? {}), ...Object.keys(matrix ?? {}),
        ...(job.rules ?? []).flatMap((rule) => Object.keys(rule.variables ?? {})),
        ...pairs.map((pair) => pair.slice(0, pair.indexOf("="))),
    ]);
    return Object.fromEntries([...names].filter((n) => n in job._variables).map((n) => [n, text(job._variables[n])]));
}

const streams = new WriteStreamsMock();
let parser;
try {
    const argv = await Argv.build({ cwd: ".", file, variable: pairs, noColor: true }, streams);
    parser = await Parser.create(argv, streams, 1, [], false);
} catch (error) {
    process.stderr.write(`${error.message ?? error}\n`);
    process.exit(3);
}
const globals = parser.gitlabData.variables ?? {};
const seen = new Map();
const jobs = [];
for (const job of parser.jobs) {
    const index = seen.get(job.baseName) ?? 0;
    seen.set(job.baseName, index + 1);
    const matrix = parallel.isPlainParallel(job.jobData) ? null : parallel.matrixVariablesList(job.jobData, job.baseName)[index];
    if (parallel.isPlainParallel(job.jobData) && index > 0) continue; // `parallel: N` copies differ only in CI_NODE_INDEX
    jobs.push({
        base: job.baseName,
        matrix: matrix ? Object.values(matrix).map(text) : null,
        trigger: job.trigger != null,
        when: job.when,
        stage: job.stage,
        image: job.jobData.image ?? null,
        services: job.jobData.services ?? [],
        variables: variablesOf(job, globals, matrix),
        before_script: job.beforeScripts,
        script: job.scripts ?? [],
        after_script: job.afterScripts,
        tags: job.jobData.tags ?? [],
    });
}
// gitlab-ci-local may print warnings on stdout first: the JSON is the last line
process.stdout.write(`\n${JSON.stringify(jobs)}\n`);
