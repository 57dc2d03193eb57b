/* The script sandbox: every escape route fails with a clear error, and
 * every runaway ends the run with the budget message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "placesim.h"
#include "support.h"

/* A tiny place and 6 weeks, so runs are quick; the script runs from week
 * 2. iv_keys are more keys of the intervention (e.g. "\"end_week\": 5"),
 * keys more keys of the scenario; a "start_week", "place", "weeks" or
 * "replicates" among them replaces the default. */
static const char *scenario_with(const char *name, const char *script_body, const char *iv_keys, const char *keys)
{
    char file[128], text[8192];
    snprintf(file, sizeof file, "sb_%s.lua", name);
    ts_write(file, script_body);
    int own_place = keys && strstr(keys, "\"place\""), own_weeks = keys && strstr(keys, "\"weeks\"");
    int own_reps = keys && strstr(keys, "\"replicates\"");
    int own_start = iv_keys && strstr(iv_keys, "\"start_week\"");
    snprintf(text, sizeof text,
             "{ \"name\": \"sandbox %s\", %s\"burn_in_weeks\": 2, %s\n"
             "  %s%s%s\n"
             "  \"interventions\": [ { \"script\": \"%s\"%s%s%s } ] }\n",
             name, own_weeks ? "" : "\"weeks\": 6, ", own_reps ? "" : "\"replicates\": 1,",
             own_place ? "" : "\"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 200, "
                              "\"deprivation_decile\": 3 } ] },\n  ",
             keys ? keys : "", keys ? "," : "", file, own_start ? "" : ", \"start_week\": 2", iv_keys ? ", " : "",
             iv_keys ? iv_keys : "");
    snprintf(file, sizeof file, "sb_%s.json", name);
    return ts_write(file, text);
}

static const char *scenario_for(const char *name, const char *script_body, const char *limits)
{
    char keys[512];
    snprintf(keys, sizeof keys, "\"limits\": { %s }", limits ? limits : "");
    return scenario_with(name, script_body, NULL, keys);
}

/* Loads and runs (writing the outputs to the folder out under the test
 * folder, if out is given); returns the status and copies the message. */
static ps_status run_into(const char *path, const char *out, char *msg, size_t size)
{
    ps_error err;
    ps_scenario *sc = NULL;
    ps_status st = ps_scenario_load(path, NULL, 0, &sc, &err);
    if (!st) {
        ps_run_options o;
        ps_run_options_init(&o);
        o.threads = 1;
        ps_results *res = NULL;
        st = ps_run(sc, &o, &res, &err);
        ps_write_options wo = { 1, 0, 0, 1 };
        if (!st && out) st = ps_results_write(res, ts_path(out), &wo, &err);
        ps_results_free(res);
    }
    ps_scenario_free(sc);
    snprintf(msg, size, "%s", st ? err.message : "");
    return st;
}

static ps_status load_and_run(const char *path, char *msg, size_t size) { return run_into(path, NULL, msg, size); }

/* The run fails (at load or in a hook) with a message holding each of the
 * pieces in ap, up to a NULL. */
static void expect_failure_v(const char *path, va_list ap)
{
    char msg[PS_ERROR_MAX];
    ps_status st = load_and_run(path, msg, sizeof msg);
    print_message("%s: %s\n", path, msg);
    if (st == PS_OK) fail_msg("%s: the run succeeded", path);
    assert_true(st == PS_ERR_SCRIPT || st == PS_ERR_INVALID);
    for (const char *piece; (piece = va_arg(ap, const char *));)
        if (!strstr(msg, piece)) fail_msg("%s: expected \"%s\" in: %s", path, piece, msg);
}

static void expect_failure(const char *name, const char *body, const char *limits, ...)
{
    va_list ap;
    va_start(ap, limits);
    expect_failure_v(scenario_for(name, body, limits), ap);
    va_end(ap);
}

/* The same for a scenario already written. */
static void expect_failure_of(const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    expect_failure_v(path, ap);
    va_end(ap);
}

/* The run succeeds (its outputs in out, if given). */
static void expect_success(const char *path, const char *out)
{
    char msg[PS_ERROR_MAX];
    if (run_into(path, out, msg, sizeof msg)) fail_msg("%s", msg);
}

/* The text of file in the output folder out (freed by the caller). */
static char *out_file(const char *out, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", ts_path(out), file);
    char *text = ts_read(path);
    if (!text) fail_msg("cannot read %s", path);
    return text;
}

/* The cell of column col in the first row of the CSV file in folder out
 * whose column k1 holds v1 (and k2 holds v2, if k2 is given); NAN if there
 * is no such row or the cell is empty. */
static double csv_at(const char *out, const char *file, const char *col, const char *k1, const char *v1,
                     const char *k2, const char *v2)
{
    char *text = out_file(out, file);
    char *names[256];
    int n = 0, want = -1, key1 = -1, key2 = -1;
    char *line = text, *next = strchr(line, '\n');
    *next = '\0';
    for (char *c = line; c && n < 256; n++) {
        names[n] = c;
        c = strchr(c, ',');
        if (c) *c++ = '\0';
    }
    for (int i = 0; i < n; i++) {
        if (!strcmp(names[i], col)) want = i;
        if (!strcmp(names[i], k1)) key1 = i;
        if (k2 && !strcmp(names[i], k2)) key2 = i;
    }
    if (want < 0 || key1 < 0 || (k2 && key2 < 0)) fail_msg("%s: no column %s, %s or %s", file, col, k1, k2 ? k2 : "");
    double v = NAN;
    for (line = next + 1; *line && isnan(v); line = next + 1) {
        next = strchr(line, '\n');
        *next = '\0';
        char *cell[256];
        int k = 0;
        for (char *c = line; c && k < 256; k++) {
            cell[k] = c;
            c = strchr(c, ',');
            if (c) *c++ = '\0';
        }
        if (k != n || strcmp(cell[key1], v1) || (k2 && strcmp(cell[key2], v2))) continue;
        if (*cell[want]) v = strtod(cell[want], NULL);
        break;
    }
    free(text);
    return v;
}

/* The value of column col of timeseries.csv in week (one replicate). */
static double ts_at(const char *out, const char *col, int week)
{
    char w[16];
    snprintf(w, sizeof w, "%d", week);
    return csv_at(out, "timeseries.csv", col, "week", w, NULL, NULL);
}

/* The value of column col of services.csv for service in week (one replicate). */
static double sv_at(const char *out, const char *service, const char *col, int week)
{
    char w[16];
    snprintf(w, sizeof w, "%d", week);
    return csv_at(out, "services.csv", col, "week", w, "service", service);
}

#define IN_WEEK(code) "return { week = function(sim, p)\n" code "\nend }\n"

/* A week hook of code runs without error on the tiny place. */
#define EXPECT_WEEK_OK(name, code) expect_success(scenario_for((name), IN_WEEK(code), NULL), NULL)

/* A week hook of code that fails with a message holding piece. */
typedef struct bad_week {
    const char *name, *code, *piece;
} bad_week;

static void expect_week_failures(const bad_week *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char body[1024];
        snprintf(body, sizeof body, IN_WEEK("%s"), cases[i].code);
        expect_failure(cases[i].name, body, NULL, cases[i].piece, NULL);
    }
}

static void io_is_not_there(void **state)
{
    (void)state;
    expect_failure("io", IN_WEEK("  local f = io.open('/etc/passwd')"), NULL, "sb_io.lua:2:", "global 'io'",
                   "hook week, week 2", NULL);
}

static void os_is_not_there(void **state)
{
    (void)state;
    expect_failure("os", IN_WEEK("  os.execute('touch /tmp/placesim-escaped')"), NULL, "sb_os.lua:2:", "global 'os'",
                   NULL);
    assert_false(ts_exists("/tmp/placesim-escaped"));
}

static void package_and_require_are_not_there(void **state)
{
    (void)state;
    expect_failure("require", IN_WEEK("  local m = require('os')"), NULL, "global 'require'", NULL);
    expect_failure("package", IN_WEEK("  package.loadlib('libc.so.6', 'system')"), NULL, "global 'package'", NULL);
}

static void debug_is_not_there(void **state)
{
    (void)state;
    expect_failure("debug", IN_WEEK("  debug.sethook()"), NULL, "global 'debug'", NULL);
}

static void files_cannot_be_loaded(void **state)
{
    (void)state;
    expect_failure("dofile", IN_WEEK("  dofile('/etc/passwd')"), NULL, "global 'dofile'", NULL);
    expect_failure("loadfile", IN_WEEK("  loadfile('/etc/passwd')"), NULL, "global 'loadfile'", NULL);
}

static void binary_chunks_are_refused(void **state)
{
    (void)state;
    /* the header of a Lua 5.4 binary chunk */
    expect_failure("binary",
                   IN_WEEK("  local f, e = load('\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10')\n"
                           "  if not f then error(e) end"),
                   NULL, "attempt to load a binary chunk", NULL);
    /* a text chunk does load, in the sandbox */
    char msg[PS_ERROR_MAX];
    assert_int_equal(load_and_run(scenario_for("textload", IN_WEEK("  local f = load('return 1 + 1')\n"
                                                                   "  assert(f() == 2)\n"
                                                                   "  assert(load('return io')() == nil)"),
                                               NULL),
                                  msg, sizeof msg),
                     PS_OK);
}

static void string_dump_is_gone(void **state)
{
    (void)state;
    expect_failure("dump", IN_WEEK("  local s = string.dump(function() end)"), NULL, "field 'dump'", NULL);
}

static void the_string_metatable_is_hidden(void **state)
{
    (void)state;
    /* getmetatable("") gives false, so its __index cannot be reached or replaced */
    expect_failure("strmeta", IN_WEEK("  local mt = getmetatable('')\n  mt.__index = {}"), NULL,
                   "sb_strmeta.lua:3:", "index a boolean value", NULL);
    char msg[PS_ERROR_MAX];
    assert_int_equal(load_and_run(scenario_for("strmeta2", IN_WEEK("  assert(getmetatable('') == false)\n"
                                                                   "  assert(('x'):rep(3) == 'xxx')"),
                                               NULL),
                                  msg, sizeof msg),
                     PS_OK);
}

static void collectgarbage_only_counts(void **state)
{
    (void)state;
    expect_failure("gc", IN_WEEK("  collectgarbage('stop')"), NULL, "only \"count\" is allowed", NULL);
    char msg[PS_ERROR_MAX];
    assert_int_equal(load_and_run(scenario_for("gccount", IN_WEEK("  assert(collectgarbage('count') > 0)"), NULL), msg,
                                  sizeof msg),
                     PS_OK);
}

static void math_random_is_the_deterministic_stream(void **state)
{
    (void)state;
    expect_failure("seed", IN_WEEK("  math.randomseed(42)"), NULL, "math.randomseed is not available", NULL);
    /* two runs give the same numbers */
    const char *body = "local seen = {}\n"
                       "return { week = function(sim, p)\n"
                       "  sim:record('r', math.random(1, 1000000))\n"
                       "  sim:record('u', sim:rand())\n"
                       "end }\n";
    const char *path = scenario_for("rand", body, NULL);
    double v[2][2];
    for (int k = 0; k < 2; k++) {
        char out[64];
        snprintf(out, sizeof out, "rand_out%d", k);
        expect_success(path, out);
        v[k][0] = ts_at(out, "r", 2); /* week 2, when the script starts */
        v[k][1] = ts_at(out, "u", 2);
    }
    assert_true(v[0][0] >= 1 && v[0][0] <= 1000000);
    assert_true(v[0][1] >= 0 && v[0][1] < 1);
    assert_true(v[0][0] == v[1][0] && v[0][1] == v[1][1]);
}

/* Runs "placesim CMD PATH" in a child process, under timeout, so that a
 * crash or a hang fails the test rather than the suite; CMD "run" writes
 * to the folder out (a name under the test folder) and is quiet. */
static ts_cmd run_child(const char *cmd, const char *path, const char *out)
{
    if (out) return ts_sh("timeout 30 %s %s %s --out %s --quiet", ts_program(), cmd, path, ts_path(out));
    return ts_sh("timeout 30 %s %s %s", ts_program(), cmd, path);
}

/* The child failed as a script error should: status 1, one line naming
 * each piece (up to a NULL), nothing written to out (if given). */
static void expect_child_failure(const char *cmd, const char *path, const char *out, ...)
{
    ts_cmd c = run_child(cmd, path, out);
    print_message("%s %s: status %d: %s\n", cmd, path, c.status, c.err);
    if (c.status != 1) fail_msg("%s %s: expected status 1, got %d: %s", cmd, path, c.status, c.err);
    assert_int_equal(ts_count_lines(c.err), 1);
    va_list ap;
    va_start(ap, out);
    for (const char *piece; (piece = va_arg(ap, const char *));)
        if (!strstr(c.err, piece)) fail_msg("%s %s: expected \"%s\" in: %s", cmd, path, piece, c.err);
    va_end(ap);
    if (out) assert_false(ts_exists(ts_path(out)));
    ts_cmd_free(&c);
}

static void finalizers_are_refused(void **state)
{
    (void)state;
    expect_failure("gc_fin", IN_WEEK("  setmetatable({}, { __gc = function() end })"), NULL, "sb_gc_fin.lua:2:",
                   "finalizers (__gc) are not allowed in scripts", "hook week, week 2", NULL);
    expect_failure("gc_fin_true", IN_WEEK("  local mt = { __gc = true }\n  setmetatable({}, mt)"), NULL,
                   "sb_gc_fin_true.lua:3:", "finalizers (__gc) are not allowed", NULL);
    /* a finalizer that called back into the API while a selection was
     * being made crashed the engine; one that looped hung it, even where
     * no hook runs (check) */
    const char *reenter = "local S\n"
                          "local function arm() setmetatable({}, { __gc = function() S:persons{}; arm() end }) end\n"
                          "return { week = function(sim, p)\n"
                          "  S = sim; arm()\n"
                          "  for i = 1, 300 do sim:households{}:persons() end\n"
                          "end }\n";
    expect_child_failure("run", scenario_for("gc_reenter", reenter, NULL), "gc_reenter_out", "sb_gc_reenter.lua:2:",
                         "finalizers (__gc) are not allowed", "hook week, week 2", NULL);
    const char *loop = "setmetatable({}, { __gc = function() while true do end end })\nreturn {}\n";
    expect_child_failure("check", scenario_for("gc_loop", loop, NULL), NULL, "sb_gc_loop.lua:1:",
                         "finalizers (__gc) are not allowed", "while loading the script", NULL);
    /* a __gc put in the metatable afterwards is never called: Lua 5.4
     * looks for it only when setmetatable is called */
    const char *late = IN_WEEK("  local mt = {}\n"
                               "  local t = setmetatable({}, mt)\n"
                               "  mt.__gc = function() while true do end end\n"
                               "  t = nil\n"
                               "  for i = 1, 200000 do local x = { i } end");
    ts_cmd c = run_child("run", scenario_for("gc_late", late, NULL), "gc_late_out");
    assert_int_equal(c.status, 0);
    ts_cmd_free(&c);
}

/* What a script returns is read without running its metamethods, and
 * what the engine does in a state while loading it (its params above
 * all) is protected: Lua aborted the process on an error there. */
static void loading_a_script_never_aborts(void **state)
{
    (void)state;
    const char *fails = "return setmetatable({}, { __index = function(t, k) error('boom ' .. k) end })\n";
    const char *loops = "return { on = setmetatable({}, { __index = function() while true do end end }) }\n";
    const char *params = "return { params = setmetatable({}, { __index = function(t, k) error(k) end }) }\n";
    const char *path = scenario_for("mt_fails", fails, NULL);
    expect_child_failure("check", path, NULL, "sb_mt_fails.lua: the returned table has a metatable", NULL);
    expect_child_failure("run", path, "mt_fails_out", "sb_mt_fails.lua: the returned table has a metatable", NULL);
    expect_child_failure("run", scenario_for("mt_loops", loops, NULL), "mt_loops_out",
                         "field \"on\" of the returned table has a metatable", NULL);
    expect_child_failure("check", scenario_for("mt_params", params, NULL), NULL,
                         "field \"params\" of the returned table has a metatable", NULL);
    /* a param bigger than the memory budget */
    size_t len = 2u << 20;
    char *text = malloc(len + 1024);
    assert_non_null(text);
    ts_write("sb_bigparam.lua", "return { params = { tag = 'x' } }\n");
    int k = snprintf(text, 1024,
                     "{ \"weeks\": 4, \"replicates\": 1, \"limits\": { \"memory_mb\": 1 },\n"
                     "  \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 50, "
                     "\"deprivation_decile\": 3 } ] },\n"
                     "  \"interventions\": [ { \"script\": \"sb_bigparam.lua\", \"params\": { \"tag\": \"");
    memset(text + k, 'y', len);
    strcpy(text + k + len, "\" } } ] }\n");
    const char *big = ts_write("sb_bigparam.json", text);
    free(text);
    expect_child_failure("run", big, "bigparam_out", "sb_bigparam.lua: memory budget exceeded while loading the script",
                         "more than 1 MB", NULL);
}

/* ------------------------------------------------------------ budgets */

#define SMALL_BUDGET "\"instructions\": 2000000"

static void an_endless_loop_breaks_the_budget(void **state)
{
    (void)state;
    expect_failure("loop", IN_WEEK("  while true do end"), SMALL_BUDGET, "sb_loop.lua:2:",
                   "instruction budget exceeded", "hook week, week 2", "limits.instructions", NULL);
}

static void an_endless_loop_inside_pcall_still_breaks_the_budget(void **state)
{
    (void)state;
    expect_failure("pcall",
                   IN_WEEK("  for i = 1, 1e9 do\n    pcall(function() while true do end end)\n  end"),
                   SMALL_BUDGET, "instruction budget exceeded", "hook week, week 2", NULL);
    /* and an error handler cannot swallow it either */
    expect_failure("xpcall",
                   IN_WEEK("  while true do\n"
                           "    xpcall(function() while true do end end, function(e) return e end)\n"
                           "  end"),
                   SMALL_BUDGET, "instruction budget exceeded", NULL);
}

/* The handler of xpcall ran where the budget error was raised, with
 * hooks off: an endless loop there hung the run. It now runs after the
 * error unwinds, counted, and never for a broken budget. */
static void an_xpcall_handler_cannot_escape_the_budget(void **state)
{
    (void)state;
    expect_child_failure("run",
                         scenario_for("xp_loop", IN_WEEK("  xpcall(function() while true do end end,\n"
                                                         "         function(e) while true do end end)"),
                                      SMALL_BUDGET),
                         "xp_loop_out", "sb_xp_loop.lua:2:", "instruction budget exceeded", "hook week, week 2", NULL);
    expect_child_failure("check",
                         scenario_for("xp_load", "xpcall(function() while true do end end, function(e) while true do "
                                                 "end end)\nreturn {}\n", SMALL_BUDGET),
                         NULL, "sb_xp_load.lua:1: instruction budget exceeded while loading the script", NULL);
    /* a handler that loops on an ordinary error is counted too */
    expect_failure("xp_handler", IN_WEEK("  xpcall(function() error('x') end, function(e) while true do end end)"),
                   SMALL_BUDGET, "sb_xp_handler.lua:2:", "instruction budget exceeded", NULL);
    /* and xpcall still does what Lua's does */
    const char *body = IN_WEEK(
        "  local ok, a, b = xpcall(function(x, y) return x + y, 'z' end, function(e) return 'H:' .. e end, 1, 2)\n"
        "  assert(ok == true and a == 3 and b == 'z')\n"
        "  local ok2, e2 = xpcall(function() error('bad', 0) end, function(e) return 'H:' .. e end)\n"
        "  assert(ok2 == false and e2 == 'H:bad')\n"
        "  local ok3, e3 = xpcall(function() error('bad', 0) end, function(e) error('worse', 0) end)\n"
        "  assert(ok3 == false and e3 == 'worse')\n"
        "  assert(not pcall(xpcall, function() end))\n"
        "  local co = coroutine.wrap(function()\n"
        "    return xpcall(function() return coroutine.yield(1) * 2 end, function(e) return e end)\n"
        "  end)\n"
        "  assert(co() == 1)\n"
        "  local ok4, v4 = co(21)\n"
        "  assert(ok4 == true and v4 == 42)\n"
        "  local co2 = coroutine.wrap(function()\n"
        "    return xpcall(function() coroutine.yield(); error('late', 0) end, function(e) return 'H:' .. e end)\n"
        "  end)\n"
        "  co2()\n"
        "  local ok5, e5 = co2()\n"
        "  assert(ok5 == false and e5 == 'H:late')");
    expect_success(scenario_for("xp_works", body, NULL), NULL);
}

static void an_endless_loop_inside_a_coroutine_breaks_the_budget(void **state)
{
    (void)state;
    expect_failure("coroutine",
                   IN_WEEK("  local co = coroutine.create(function() while true do end end)\n"
                           "  while true do coroutine.resume(co) end"),
                   SMALL_BUDGET, "instruction budget exceeded", "hook week, week 2", NULL);
    expect_failure("wrap",
                   IN_WEEK("  local f = coroutine.wrap(function() while true do coroutine.yield() end end)\n"
                           "  while true do pcall(f) end"),
                   SMALL_BUDGET, "instruction budget exceeded", NULL);
}

static void a_memory_bomb_breaks_the_memory_budget(void **state)
{
    (void)state;
    expect_failure("bomb", IN_WEEK("  local t = {}\n  for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end"),
                   "\"memory_mb\": 8", "sb_bomb.lua:3: memory budget exceeded", "8 MB", "hook week, week 2",
                   "limits.memory_mb", NULL);
    expect_failure("loadbomb", "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end\nreturn {}\n",
                   "\"memory_mb\": 8", "sb_loadbomb.lua:2: memory budget exceeded while loading the script",
                   "more than 8 MB", "limits.memory_mb", NULL);
    expect_failure("loadloop2", "while true do end\nreturn {}\n", "\"instructions\": 2000000",
                   "sb_loadloop2.lua:1: instruction budget exceeded while loading the script",
                   "more than 2000000 instructions", "limits.instructions", NULL);
    /* caught allocation failures do not escape it */
    expect_failure("bomb_pcall",
                   IN_WEEK("  local keep = {}\n"
                           "  while true do\n"
                           "    pcall(function() keep[#keep + 1] = string.rep('y', 1 << 20) end)\n"
                           "  end"),
                   "\"memory_mb\": 8", "sb_bomb_pcall.lua:", "memory budget exceeded", NULL);
    expect_failure("rep", IN_WEEK("  local s = string.rep('x', 1 << 30)"), "\"memory_mb\": 8",
                   "memory budget exceeded", NULL);
}

/* Garbage is collected before the memory budget is called broken: a
 * string of 2.5 MB a week (5 MB while it is made) broke a budget of 8 MB
 * in the script's second week, with live data of 5 MB at most. */
static void garbage_does_not_break_the_memory_budget(void **state)
{
    (void)state;
    expect_success(scenario_for("garbage", IN_WEEK("  local s = string.rep('x', 2500000)"), "\"memory_mb\": 8"),
                   NULL);
    expect_success(scenario_for("garbage2",
                                IN_WEEK("  for i = 1, 20 do local t = {} for j = 1, 20000 do t[j] = j end end"),
                                "\"memory_mb\": 2"),
                   NULL);
    /* what is live still breaks it, with the line */
    expect_failure("live", "local keep = {}\nreturn { week = function(sim, p)\n"
                           "  keep[#keep + 1] = string.rep('x', 2500000)\nend }\n",
                   "\"memory_mb\": 8", "sb_live.lua:3: memory budget exceeded", "more than 8 MB", NULL);
}

static void a_runaway_pattern_breaks_the_budget(void **state)
{
    (void)state;
    /* a backtracking match that would take far longer than any budget */
    expect_failure("pattern",
                   IN_WEEK("  local s = string.rep('a', 5000)\n"
                           "  string.find(s, string.rep('a*', 12) .. 'b')"),
                   SMALL_BUDGET, "instruction budget exceeded", NULL);
    /* a plain find costs haystack x needle at worst, and is charged so */
    expect_failure("plainfind",
                   IN_WEEK("  local s = string.rep('a', 1 << 20)\n"
                           "  string.find(s, string.rep('a', 1 << 13) .. 'b', 1, true)"),
                   "\"instructions\": 5000000", "sb_plainfind.lua:3:", "instruction budget exceeded", NULL);
    expect_failure("gsub",
                   IN_WEEK("  local s = string.rep('a', 5000)\n"
                           "  pcall(string.gsub, s, '(a-)(a-)(a-)(a-)b', '%1')\n"
                           "  while true do end"),
                   SMALL_BUDGET, "instruction budget exceeded", NULL);
}

/* Library functions that loop in C, and VM instructions that copy a lot,
 * never returned to the count hook: each of these ran for minutes or for
 * ever on a few instructions' charge. They are charged now, and each ends
 * with the budget message. Run as programs, so that a regression fails
 * the test rather than hanging the suite. */
static void c_loops_are_charged(void **state)
{
    (void)state;
    static const struct {
        const char *name, *code;
    } cases[] = {
        { "rep_empty", "  while true do string.rep('', math.maxinteger) end" },
        { "rep_sep", "  while true do string.rep('', 1e15, '') end" },
        { "move", "  table.move({}, 1, math.maxinteger - 1, 1, {})" },
        { "insert", "  local t = {}\n  for i = 1, 1e5 do t[i] = i end\n"
                    "  while true do table.insert(t, 1, 0); table.remove(t, 1) end" },
        { "sort", "  local t = {}\n  for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end\n"
                  "  while true do table.sort(t) end" },
        { "unpack", "  local t = {}\n  for i = 1, 2e5 do t[i] = i end\n"
                    "  while true do local n = select('#', table.unpack(t)) end" },
        { "concat", "  local t = {}\n  for i = 1, 2e5 do t[i] = 'x' end\n  while true do table.concat(t) end" },
        { "varargs", "  local function f(...) return f(1, ...) end\n  f()" },
        { "spread", "  local function f(...) while true do local n = select('#', ...) end end\n"
                    "  f(string.byte(string.rep('x', 1e5), 1, -1))" },
        { "bigcopy", "  local s = string.rep('x', 1 << 20)\n  while true do local t = s .. 'y' end" },
        { "utf8", "  local s = string.rep('x', 1 << 20)\n  while true do utf8.len(s) end" },
        { "byte", "  local s = string.rep('x', 1e5)\n  while true do string.byte(s, 1, -1) end" },
        { "unpackfmt", "  local f = string.rep('b', 1e5)\n  local s = string.rep('x', 1e5)\n"
                       "  while true do string.unpack(f, s) end" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64], out[80], body[1024];
        snprintf(name, sizeof name, "cloop_%s", cases[i].name);
        snprintf(out, sizeof out, "%s_out", name);
        snprintf(body, sizeof body, IN_WEEK("%s"), cases[i].code);
        expect_child_failure("run", scenario_for(name, body, "\"instructions\": 2000000, \"memory_mb\": 64"), out,
                             "instruction budget exceeded", "hook week, week 2", NULL);
    }
}

/* The functions the sandbox replaces to charge them still do what Lua
 * 5.4's do. */
static void charged_library_functions_behave_as_lua(void **state)
{
    (void)state;
    const char *body = IN_WEEK(
        "  local t = { 1, 2, 3 }\n"
        "  table.insert(t, 4); table.insert(t, 1, 0)\n"
        "  assert(table.concat(t, ',') == '0,1,2,3,4')\n"
        "  assert(table.remove(t, 1) == 0 and table.remove(t) == 4 and table.concat(t, ',') == '1,2,3')\n"
        "  assert(not pcall(table.insert, t, 9, 1) and not pcall(table.insert, t, 1, 2, 3))\n"
        "  assert(select('#', table.unpack(t)) == 3 and select(2, table.unpack(t)) == 2)\n"
        "  assert(select('#', table.unpack(t, 2, 1)) == 0 and select(-1, 'a', 'b') == 'b')\n"
        "  assert(not pcall(select, 0, 1))\n"
        "  assert(table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ',') == '1,1,2,3')\n"
        "  assert(table.concat(table.move({ 1, 2, 3 }, 2, 3, 1), ',') == '2,3,3')\n"
        "  assert(table.concat(table.move({ 1, 2 }, 1, 2, 2, { 9 }), ',') == '9,1,2')\n"
        "  assert(table.concat({ 1, 2, 3 }, '-', 2, 3) == '2-3' and table.concat({}, 'x') == '')\n"
        "  local ok, e = pcall(table.concat, { 1, {}, 3 })\n"
        "  assert(not ok and e:find('invalid value %(at index 2%) in table for .concat.'))\n"
        "  local s = { 5, 3, 9, 1, 7, 3 }\n"
        "  table.sort(s); assert(table.concat(s, ',') == '1,3,3,5,7,9')\n"
        "  table.sort(s, function(a, b) return a > b end); assert(table.concat(s, ',') == '9,7,5,3,3,1')\n"
        "  local r = {}\n"
        "  for i = 1, 300 do r[i] = { k = i % 7, i = i } end\n"
        "  table.sort(r, function(a, b) return a.k < b.k end)\n"
        "  for i = 2, 300 do assert(r[i - 1].k < r[i].k or (r[i - 1].k == r[i].k and r[i - 1].i < r[i].i)) end\n"
        "  assert(not pcall(table.sort, { 1, 'x', 2 }))\n"
        "  assert(string.rep('ab', 3) == 'ababab' and string.rep('a', 3, ',') == 'a,a,a')\n"
        "  assert(string.rep('x', 0) == '' and string.rep('', 5) == '' and ('x'):rep(2) == 'xx')\n"
        "  assert(string.rep('', 3, '-') == '--')\n"
        "  assert(string.byte('abc') == 97 and select('#', string.byte('abc', 1, -1)) == 3)\n"
        "  assert(string.byte('abc', -1) == 99 and select('#', string.byte('abc', 4)) == 0)\n"
        "  assert(utf8.len('h\\u{e9}llo') == 5 and utf8.codepoint('\\u{e9}') == 233)\n"
        "  assert(string.unpack('i4', string.pack('i4', 42)) == 42 and string.packsize('i4') == 4)\n"
        "  local ok2, e2 = pcall(utf8.len)\n"
        "  assert(not ok2 and e2:find(\"bad argument #1 to 'utf8.len'\"), e2)");
    expect_success(scenario_for("charged_lua", body, NULL), NULL);
}

static void a_loop_at_load_time_breaks_the_budget(void **state)
{
    (void)state;
    expect_failure("loadloop", "while true do end\nreturn {}\n", SMALL_BUDGET, "sb_loadloop.lua:1:",
                   "instruction budget exceeded while loading the script", NULL);
}

static void patterns_still_work(void **state)
{
    (void)state;
    const char *body = IN_WEEK(
        "  assert(string.find('hello world', 'o w') == 5)\n"
        "  assert(select(2, string.find('hello', 'l+')) == 4)\n"
        "  assert(string.match('key = value', '(%w+)%s*=%s*(%w+)') == 'key')\n"
        "  assert(string.match('  trim  ', '^%s*(.-)%s*$') == 'trim')\n"
        "  assert(string.gsub('hello world', 'o', '0') == 'hell0 w0rld')\n"
        "  assert(select(2, string.gsub('abc', '', '-')) == 4)\n"
        "  assert(string.gsub('$name is $age', '%$(%w+)', { name = 'Ann', age = 40 }) == 'Ann is 40')\n"
        "  assert(string.gsub('abc', '%w', function(c) return c:upper() end) == 'ABC')\n"
        "  local n = 0\n"
        "  for w in string.gmatch('one two three', '%a+') do n = n + 1 end\n"
        "  assert(n == 3)\n"
        "  assert(string.match('THE (quick) fox', '%b()') == '(quick)')\n"
        "  assert(string.find('THE (quick) fox', '%f[%a]%a+', 5) == 6)\n"
        "  assert(string.match('2024-11-22', '(%d+)-(%d+)-(%d+)') == '2024')\n"
        "  assert(string.find('a.b', '.', 1, true) == 2)\n"
        "  assert(string.find(string.rep('a', 100) .. 'b', 'aab', 1, true) == 99)\n"
        "  assert(string.find('abcabc', 'bc', 3, true) == 5)\n"
        "  assert(('abc'):find('c', 1, true) == 3 and ('abc'):find('', 2, true) == 2)\n"
        "  assert(('abc'):find('', 4, true) == 4 and not ('abc'):find('', 5, true))\n"
        "  assert(not ('abc'):find('abcd', 1, true) and not ('abc'):find('x', 1, true))\n"
        "  assert(string.match('hello', '()ll()') == 3)\n"
        "  assert(string.match('xyzzy', '(z)%1') == 'z')\n"
        "  assert(not pcall(string.find, 'x', '['))");
    char msg[PS_ERROR_MAX];
    ps_status st = load_and_run(scenario_for("patterns", body, NULL), msg, sizeof msg);
    if (st) fail_msg("%s", msg);
}

static void a_script_error_names_script_line_hook_and_week(void **state)
{
    (void)state;
    expect_failure("error", "return {\n  week = function(sim, p)\n    if sim.week == 4 then\n      local x = nil\n"
                            "      return x.field\n    end\n  end\n}\n",
                   NULL, "sb_error.lua:5:", "attempt to index a nil value", "hook week, week 4", NULL);
    expect_failure("event",
                   "return { on = { onset = function(sim, p, person) error('no way') end } }\n", NULL,
                   "sb_event.lua:1:", "no way", "hook on.onset, week 2", NULL);
    expect_failure("syntax", "return { week = function(sim, p) end end }\n", NULL, "sb_syntax.lua:1:", NULL);
    expect_failure("notable", "return 42\n", NULL, "expected the script to return a table, got number", NULL);
    expect_failure("badhook", "return { weak = function() end }\n", NULL, "unknown field \"weak\"",
                   "did you mean \"week\"", NULL);
    expect_failure("badevent", "return { on = { crises = function() end } }\n", NULL, "on.crises: unknown event",
                   "did you mean \"crisis\"", NULL);
}

/* Failures that lost the script's name or line, or the hook and week. */
static void every_failure_names_the_script_and_line(void **state)
{
    (void)state;
    expect_failure("binfile", "\x1bLuaT\x00 not text\n", NULL, "sb_binfile.lua: attempt to load a binary chunk",
                   "(while loading the script)", NULL);
    expect_failure("yieldtop", "local x = 1\ncoroutine.yield(1)\nreturn {}\n", NULL, "sb_yieldtop.lua:2:",
                   "yield", "(while loading the script)", NULL);
    static const bad_week objects[] = {
        { "errtable", "  error({})", "sb_errtable.lua:2: (error object is a table value) (hook week, week 2" },
        { "errnil", "  error()", "sb_errnil.lua:2: (error object is a nil value) (hook week, week 2" },
        { "errts", "  error(setmetatable({}, { __tostring = function() return 42 end }))",
          "sb_errts.lua:2: (error object is a table value) (hook week, week 2" },
        { "errtsok", "  error(setmetatable({}, { __tostring = function() return 'mine' end }))",
          "sb_errtsok.lua:2: mine (hook week, week 2" },
        { "errtsfail", "  local mt = {}\n  mt.__tostring = function() error(setmetatable({}, mt)) end\n"
                       "  error(setmetatable({}, mt))",
          "the error object's __tostring failed (hook week, week 2" },
        { "errlevel0", "  error('plain', 0)", "sb_errlevel0.lua:2: plain (hook week, week 2" },
    };
    expect_week_failures(objects, sizeof objects / sizeof objects[0]);
    /* a long message keeps its tail */
    char msg[PS_ERROR_MAX];
    assert_int_equal(load_and_run(scenario_for("longerr", IN_WEEK("  error(string.rep('x', 5000))"), NULL), msg,
                                  sizeof msg),
                     PS_ERR_SCRIPT);
    print_message("%s\n", msg);
    assert_non_null(strstr(msg, "sb_longerr.lua:2: xxx"));
    assert_non_null(strstr(msg, "x ... (hook week, week 2, replicate 0)"));
    /* wraps within wraps give their position once */
    assert_int_equal(load_and_run(scenario_for("wrapnest", "local function f() return coroutine.wrap(f)() end\n"
                                                           "return { week = function(sim, p) f() end }\n",
                                               NULL),
                                  msg, sizeof msg),
                     PS_ERR_SCRIPT);
    print_message("%s\n", msg);
    const char *at = strstr(msg, "sb_wrapnest.lua:1: ");
    assert_non_null(at);
    assert_null(strstr(at + 1, "sb_wrapnest.lua:1: "));
    assert_non_null(strstr(msg, "(hook week, week 2, replicate 0)"));
}

/* A library script's params are checked against the ranges it gives
 * them when the scenario loads (check and run alike), with the file and
 * the JSON path: eviction_prevention ran with success 7, and debt_advice
 * failed with capacity -5 only inside add_service. */
static void params_are_checked_against_their_ranges(void **state)
{
    (void)state;
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    static const struct {
        const char *script, *params, *piece;
    } cases[] = {
        { "eviction_prevention", "{ \"success\": 7 }",
          "interventions[eviction_prevention].params.success: expected a number from 0 to 1 (the range "
          "scripts/eviction_prevention.lua gives it), got 7" },
        { "eviction_prevention", "{ \"cases_per_week\": -3 }",
          "params.cases_per_week: expected a number of 0 or more" },
        { "debt_advice", "{ \"capacity\": -5 }", "params.capacity: expected a whole number from 0 to 10000000" },
        { "debt_advice", "{ \"capacity\": 40.5 }", "params.capacity: expected a whole number" },
        { "peer_support", "{ \"weeks\": 0 }", "params.weeks: expected a whole number from 1 to 5200" },
        { "social_prescribing", "{ \"lonely_resolved\": 1.5 }", "params.lonely_resolved: expected a number from 0 to 1" },
        { "benefit_uplift", "{ \"prevented\": -0.1 }", "params.prevented: expected a number from 0 to 1" },
        { "crisis_team_expansion", "{ \"extra_places\": -1 }", "params.extra_places: expected a number of 0 or more" },
        { "employment_support", "{ \"uptake\": 2 }", "params.uptake: expected a number from 0 to 1" },
        { "integrated_outreach", "{ \"find_rate\": 2 }", "params.find_rate: expected a number from 0 to 1" },
        { "eviction_prevention", "{ \"success\": 1, \"cases_per_week\": 0 }", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char file[64], text[2048];
        snprintf(file, sizeof file, "sb_range_%zu.json", i);
        snprintf(text, sizeof text,
                 "{ \"weeks\": 4, \"replicates\": 1,\n"
                 "  \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 50, "
                 "\"deprivation_decile\": 3 } ] },\n"
                 "  \"interventions\": [ { \"script\": \"%s/scripts/%s.lua\", \"params\": %s } ] }\n",
                 cwd, cases[i].script, cases[i].params);
        const char *path = ts_write(file, text);
        ps_scenario *sc = NULL;
        ps_error err;
        ps_status st = ps_scenario_load(path, NULL, 0, &sc, &err);
        ps_scenario_free(sc);
        if (!cases[i].piece) {
            if (st) fail_msg("%s: %s", path, err.message);
            continue;
        }
        print_message("%s\n", err.message);
        if (st != PS_ERR_INVALID) fail_msg("%s: expected a failure, got status %d", path, (int)st);
        if (!strstr(err.message, cases[i].piece) || !strstr(err.message, file))
            fail_msg("%s: expected \"%s\" in: %s", path, cases[i].piece, err.message);
    }
    /* a script's own ranges are checked too */
    static const struct {
        const char *name, *ranges, *piece;
    } own[] = {
        { "range_str", "agency = { 0, 1 }", "sb_range_str.lua: ranges.agency: expected a param with a number as its default" },
        { "range_dflt", "share = { 0, 1 }", "sb_range_dflt.lua: params.share: the default 5 is not a number from 0 to 1" },
        { "range_form", "n = { low = 1 }", "sb_range_form.lua: ranges.n: expected {min, max}" },
        { "range_empty", "n = {}", "sb_range_empty.lua: ranges.n: expected {min, max}" },
        { "range_order", "n = { min = 9, max = 1 }", "sb_range_order.lua: ranges.n: min is above max" },
        { "range_twice", "n = { 1, min = 2 }", "sb_range_twice.lua: ranges.n: a bound is given twice" },
        { "range_whole", "w = { min = 0, whole = true }", "params.w: the default 5.5 is not a whole number of 0 or more" },
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "return { params = { agency = 'x', share = 5, n = 5, w = 5.5 }, ranges = { %s } }\n", own[i].ranges);
        expect_failure(own[i].name, body, NULL, own[i].piece, NULL);
    }
}

/* sim:record took inf and numeric strings, though a value must be a
 * number; math.random(0) was an error, and intervals were capped at 2^32,
 * though math.random works as in Lua. */
static void record_takes_finite_numbers_and_random_is_luas(void **state)
{
    (void)state;
    static const bad_week cases[] = {
        { "rec_inf", "  sim:record('a', 1 / 0)", "sim:record: value: expected a finite number, got inf" },
        { "rec_nan", "  sim:record('a', 0 / 0)", "sim:record: value: expected a finite number, got NaN" },
        { "rec_str", "  sim:record('a', '5')", "sim:record: value: expected a number, got a string" },
        { "rec_bool", "  sim:record('a', true)", "sim:record: value: expected a number, got a boolean" },
        { "rand_empty", "  math.random(2, 1)", "bad argument #1 to 'random' (interval is empty)" },
    };
    expect_week_failures(cases, sizeof cases / sizeof cases[0]);
    EXPECT_WEEK_OK("rand_lua",
                   "  assert(math.type(math.random(0)) == 'integer')\n"
                   "  local big, neg = 0, 0\n"
                   "  for i = 1, 200 do\n"
                   "    local v = math.random(1, 1 << 40)\n"
                   "    assert(v >= 1 and v <= 1 << 40)\n"
                   "    if v > 1 << 32 then big = big + 1 end\n"
                   "    local w = math.random(math.mininteger, math.maxinteger)\n"
                   "    if w < 0 then neg = neg + 1 end\n"
                   "    local x = math.random(-3, 3)\n"
                   "    assert(x >= -3 and x <= 3)\n"
                   "  end\n"
                   "  assert(big > 150 and neg > 50 and neg < 150)\n"
                   "  sim:record('r', 1.5)");
}

/* ------------------------------------------------------------ the API */

static void no_filter_selects_everyone(void **state)
{
    (void)state;
    EXPECT_WEEK_OK("nofilter", "  assert(sim:persons():count() == sim:persons{}:count())\n"
                               "  assert(sim:households():count() == sim:households{}:count())\n"
                               "  assert(sim:households():count() == 200)");
}

/* A selection takes exactly whom its filter describes, whichever way the
 * engine scans for them (the unwell only, flags eight at a time, every
 * adult): each filter's count against a count made one person at a time. */
static void selections_take_exactly_whom_their_filters_describe(void **state)
{
    (void)state;
    EXPECT_WEEK_OK(
        "exact",
        "  local people, homes = sim:persons{}, sim:households{}\n"
        "  local function by_hand(sel, pred)\n"
        "    local n = 0\n"
        "    sel:each(function(x) if pred(x) then n = n + 1 end end)\n"
        "    return n\n"
        "  end\n"
        "  local unwell = { struggling = true, crisis = true, recovering = true }\n"
        "  local persons = {\n"
        "    { { state = 'struggling' }, function(x) return x.state == 'struggling' end },\n"
        "    { { state = { 'struggling', 'recovering', 'crisis' }, lonely = false },\n"
        "      function(x) return unwell[x.state] and not x.lonely end },\n"
        "    { { lonely = true }, function(x) return x.lonely end },\n"
        "    { { lonely = true, in_service = false, waiting_for = false },\n"
        "      function(x) return x.lonely and not x.in_service and not x.waiting_for end },\n"
        "    { { employed = true, sex = 'female' }, function(x) return x.employed and x.sex == 'female' end },\n"
        "    { { unemployed = false, debt = true, age = { min = 30, max = 50 } },\n"
        "      function(x) return not x.unemployed and x.debt and x.age >= 30 and x.age <= 50 end },\n"
        "    { { state = 'well', housing_insecure = true }, function(x) return x.state == 'well' and x.housing_insecure end },\n"
        "    { { alone = true, renter = false }, function(x) return x.alone and not x.renter end },\n"
        "    { { state = { 'crisis', 'struggling' }, debt = true, unemployed = true },\n"
        "      function(x) return (x.state == 'crisis' or x.state == 'struggling') and x.debt and x.unemployed end },\n"
        "    { { lonely = true, housing_insecure = true, low_income = false, sex = 'male' },\n"
        "      function(x) return x.lonely and x.housing_insecure and not x.low_income and x.sex == 'male' end },\n"
        "    { { debt = true, low_income = false }, function(x) return x.debt and not x.low_income end, true },\n"
        "    { { lonely = true, state = 'well', in_service = false },\n"
        "      function(x) return x.lonely and x.state == 'well' and not x.in_service end, true },\n"
        "    { { state = {}, lonely = true }, function(x) return false end },\n"
        "    { { state = { 'well', 'recovering' }, unemployed = true, debt = true },\n"
        "      function(x) return (x.state == 'well' or x.state == 'recovering') and x.unemployed and x.debt end },\n"
        "  }\n"
        "  local households = {\n"
        "    { { low_income = true }, function(x) return x.low_income end },\n"
        "    { { debt = true, size = { min = 2, max = 3 } }, function(x) return x.debt and x.size >= 2 and x.size <= 3 end },\n"
        "    { { tenure = 'private_rent', workless = false },\n"
        "      function(x) return x.tenure == 'private_rent' and not x.workless end },\n"
        "  }\n"
        "  local seen = 0\n"
        "  for k, c in ipairs(persons) do\n"
        "    local got, want = sim:persons(c[1]):count(), by_hand(people, c[2])\n"
        "    assert(got == want, 'persons ' .. k .. ': ' .. got .. ' selected, ' .. want .. ' by hand')\n"
        "    assert(want > 0 or not c[3], 'persons ' .. k .. ': nobody to test on')\n"
        "    seen = seen + got\n"
        "  end\n"
        "  for k, c in ipairs(households) do\n"
        "    local got, want = sim:households(c[1]):count(), by_hand(homes, c[2])\n"
        "    assert(got == want, 'households ' .. k .. ': ' .. got .. ' selected, ' .. want .. ' by hand')\n"
        "    seen = seen + got\n"
        "  end\n"
        "  assert(seen > 0)");
}

/* :persons() and :households() of a selection loop in C, so they count
 * against the budget like any selection call. */
static void selection_conversions_count_against_the_budget(void **state)
{
    (void)state;
    expect_failure("topersons", IN_WEEK("  local all = sim:households{}\n  for i = 1, 2000 do all:persons() end"),
                   "\"instructions\": 40000", "instruction budget exceeded", NULL);
    expect_failure("tohouseholds", IN_WEEK("  local all = sim:persons{}\n  for i = 1, 2000 do all:households() end"),
                   "\"instructions\": 40000", "instruction budget exceeded", NULL);
}

/* Each sample call of a week picks afresh, however many calls there are. */
static void many_sample_calls_in_a_week_pick_independently(void **state)
{
    (void)state;
    expect_success(scenario_for("samples", "local function ids(sel)\n"
                                           "  local t = {}\n"
                                           "  sel:each(function(m) t[#t + 1] = m.id end)\n"
                                           "  return table.concat(t, ',')\n"
                                           "end\n"
                                           "return { week = function(sim, p)\n"
                                           "  local all = sim:persons()\n"
                                           "  local first = ids(all:sample(5))\n"
                                           "  for i = 1, 255 do all:sample(5) end\n"
                                           "  local again = ids(all:sample(5))\n"
                                           "  assert(first ~= again, 'call 256 picks as call 0 did: ' .. first)\n"
                                           "end }\n",
                                NULL),
                   NULL);
}

/* A support service people reach only when referred, taking any adult,
 * with room for everyone and long episodes. */
#define REFERRED_ONLY(name, more)                                                                                  \
    "{ \"name\": \"" name "\", \"capacity\": 5000, \"eligible\": { \"states\": [] }, "                               \
    "\"access\": { \"route\": \"none\" }, \"episode_weeks\": 520" more " }"

/* What scripts refer counts in services.csv in the week they refer, from a
 * week hook (before the services step) as from an event hook (after it). */
static void script_referrals_are_counted(void **state)
{
    (void)state;
    const char *body = "local n = 0\n"
                       "return {\n"
                       "  week = function(sim, p)\n"
                       "    n = sim:persons{ in_service = false, waiting_for = false }:sample(7):refer('link')\n"
                       "    sim:record('referred', n)\n"
                       "  end,\n"
                       "  on = { onset = function(sim, p, person)\n"
                       "    n = n + person:refer('link')\n"
                       "    sim:record('referred', n)\n"
                       "  end } }\n";
    const char *path = scenario_with("referrals", body, NULL, "\"services\": [ " REFERRED_ONLY("link", "") " ]");
    expect_success(path, "referrals_out");
    for (int week = 2; week < 6; week++) {
        double referred = ts_at("referrals_out", "referred", week);
        double counted = sv_at("referrals_out", "link", "referrals", week);
        print_message("week %d: referred %g, counted %g\n", week, referred, counted);
        assert_true(referred >= 7);
        assert_true(counted == referred);
    }
}

/* The handle of a crisis pathway service counts its referrals as
 * services.csv does (new crises for the crisis team, attendances for A&E,
 * admissions for beds): none yet in a week hook, which runs before the
 * week's crises, and the week's count in an event hook after them. */
static void crisis_pathway_handles_count_referrals_as_services_csv(void **state)
{
    (void)state;
    const char *body = "local names = { 'crisis_team', 'ae', 'beds' }\n"
                       "return {\n"
                       "  week = function(sim, p)\n"
                       "    for _, n in ipairs(names) do\n"
                       "      assert(sim:service(n).referrals == 0, n .. ': ' .. sim:service(n).referrals)\n"
                       "    end\n"
                       "  end,\n"
                       "  on = { crisis = function(sim, p, person)\n"
                       "    for _, n in ipairs(names) do sim:record('ref_' .. n, sim:service(n).referrals) end\n"
                       "  end } }\n";
    const char *path = scenario_with(
        "crisisrefs", body, NULL,
        "\"weeks\": 8, \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 3000, "
        "\"deprivation_decile\": 1 } ] },\n"
        "  \"services\": [ { \"name\": \"crisis_team\", \"role\": \"crisis_team\", \"capacity\": 1 },\n"
        "    { \"name\": \"ae\", \"role\": \"emergency\", \"capacity\": 500 },\n"
        "    { \"name\": \"beds\", \"role\": \"inpatient\", \"capacity\": 500 } ]");
    expect_success(path, "crisisrefs_out");
    double total[3] = { 0, 0, 0 };
    static const char *const names[] = { "crisis_team", "ae", "beds" };
    for (int week = 2; week < 8; week++)
        for (int k = 0; k < 3; k++) {
            char col[32];
            snprintf(col, sizeof col, "ref_%s", names[k]);
            double seen = ts_at("crisisrefs_out", col, week);
            double counted = sv_at("crisisrefs_out", names[k], "referrals", week);
            print_message("week %d %s: handle %g, services.csv %g\n", week, names[k], seen, counted);
            if (isnan(seen)) continue; /* no crisis that week */
            assert_true(seen == counted);
            total[k] += seen;
        }
    /* the team (1 place, full) sends the rest to A&E, which admits some */
    assert_true(total[0] >= total[1] && total[1] > total[2] && total[2] > 0);
}

/* :refer takes only people where the service serves, and a per-neighbourhood
 * service puts them on their own neighbourhood's list. */
static void refer_respects_the_service_neighbourhoods(void **state)
{
    (void)state;
    const char *body = "local young, old = { max = 39 }, { min = 40 }\n"
                       "local teams = 0\n"
                       "return { week = function(sim, p)\n"
                       "  if sim.week == 2 then\n"
                       "    assert(sim:persons{ neighbourhood = 'B', age = young }:refer('local') == 0)\n"
                       "    assert(sim:persons{ neighbourhood = 'B', age = old }:refer('teams') == 0)\n"
                       "    local n = sim:persons{ age = young }:refer('local')\n"
                       "    assert(n == sim:persons{ neighbourhood = 'A', age = young }:count(), n)\n"
                       "    teams = sim:persons{ age = old }:refer('teams')\n"
                       "    assert(teams == sim:persons{ neighbourhood = 'A', age = old }:count(), teams)\n"
                       "  elseif sim.week == 3 then\n"
                       "    assert(sim:service('teams').waiting == 0, sim:service('teams').waiting)\n"
                       "    assert(sim:service('local').waiting == 0)\n"
                       "    assert(teams > 0 and sim:persons{ in_service = 'teams' }:count() > 0)\n"
                       "  end\n"
                       "end }\n";
    expect_success(scenario_with("coverage", body, NULL,
                                 "\"place\": { \"neighbourhoods\": [ "
                                 "{ \"name\": \"A\", \"households\": 200, \"deprivation_decile\": 3 },"
                                 "{ \"name\": \"B\", \"households\": 200, \"deprivation_decile\": 7 } ] },\n"
                                 "  \"services\": [ " REFERRED_ONLY("local", ", \"neighbourhoods\": [\"A\"]") ", "
                                 REFERRED_ONLY("teams", ", \"neighbourhoods\": [\"A\"], \"per_neighbourhood\": true") " ]"),
                   NULL);
}

/* Range bounds of whole-number fields round inward; a fractional single
 * value, and values of the wrong kind, are errors naming the key. */
static void filter_ranges_take_whole_numbers(void **state)
{
    (void)state;
    EXPECT_WEEK_OK("ranges", "  local function n(f) return sim:persons(f):count() end\n"
                             "  assert(n{ age = {30.5, 40} } == n{ age = {31, 40} })\n"
                             "  assert(n{ age = {30.5, 40} } < n{ age = {0, 40} })\n"
                             "  assert(n{ age = {min = 30, max = 40.5} } == n{ age = {30, 40} })\n"
                             "  assert(n{ age = {18, math.huge} } == n{ age = {min = 18} })\n"
                             "  assert(n{ deprivation_decile = {2.5, 3.5} } == n())\n"
                             "  assert(n{ deprivation_decile = {3.5, 10} } == 0)\n"
                             "  local h = sim:households{ size = {1.5, 2} }:count()\n"
                             "  assert(h > 0 and h == sim:households{ size = 2 }:count())");
    static const bad_week bad[] = {
        { "range1", "  sim:persons{ age = 40.5 }", "sim:persons: age: expected a whole number or {min, max}, got 40.5" },
        { "range2", "  sim:persons{ age = {'30', 40} }",
          "sim:persons: age: expected a number for the lower bound, got a string" },
        { "range3", "  sim:persons{ deprivation_decile = {} }",
          "sim:persons: deprivation_decile: expected {min, max}, {min = a} or {max = b}, got an empty table" },
        { "range4", "  sim:persons{ age = {low = 30} }",
          "sim:persons: age: expected {min, max}, {min = a} or {max = b}, got the key \"low\"" },
        { "range5", "  sim:households{ size = {0/0, 3} }",
          "sim:households: size: expected a number for the lower bound, got a NaN" },
        { "range6", "  sim:persons{ age = {30, 50, max = 40} }",
          "sim:persons: age: the upper bound is given twice (as [2] and max)" },
        { "range7", "  sim:persons{ age = true }",
          "sim:persons: age: expected {min, max} or a whole number, got a boolean" },
    };
    expect_week_failures(bad, sizeof bad / sizeof bad[0]);
}

/* A number that is no number, or no whole one, reads the same on every
 * platform: "NaN", "inf" and "-inf", never printf's "-nan". */
static void numbers_in_messages_read_the_same_everywhere(void **state)
{
    (void)state;
    static const bad_week bad[] = {
        { "nan1", "  sim:persons{ age = 0/0 }", "sim:persons: age: expected a whole number or {min, max}, got NaN (hook" },
        { "nan2", "  sim:persons{ age = -(0/0) }",
          "sim:persons: age: expected a whole number or {min, max}, got NaN (hook" },
        { "inf1", "  sim:households{ size = math.huge }",
          "sim:households: size: expected a whole number or {min, max}, got inf (hook" },
        { "inf2", "  sim:persons{ deprivation_decile = -math.huge }",
          "sim:persons: deprivation_decile: expected a whole number or {min, max}, got -inf (hook" },
        { "nan3", "  sim:persons():modify{ onset = 0/0, weeks = 1 }",
          ":modify: onset: expected a number from 0 to 100, got NaN (hook" },
        { "nan4", "  sim:neighbourhoods()[1].social_capital = 0/0",
          "neighbourhood: social_capital: expected a number from 0 to 1, got NaN (hook" },
        { "inf3", "  sim:spend('council', math.huge)",
          "sim:spend: amount: expected a finite amount of GBP 0 or more, got inf (hook" },
    };
    expect_week_failures(bad, sizeof bad / sizeof bad[0]);
}

/* A state or tenure that is no such value names the method, the values
 * the key takes and the closest of them. */
static void unknown_state_or_tenure_names_the_method_and_the_values(void **state)
{
    (void)state;
    static const bad_week bad[] = {
        { "state1", "  sim:persons{ state = 'ill' }",
          "sb_state1.lua:2: sim:persons: state: unknown value \"ill\"; expected one of \"well\", \"struggling\", "
          "\"crisis\" or \"recovering\" (hook" },
        { "state2", "  sim:persons{ state = { 'well', 'strugling' } }",
          "sim:persons: state: unknown value \"strugling\"; expected one of \"well\", \"struggling\", \"crisis\" or "
          "\"recovering\" (did you mean \"struggling\"?) (hook" },
        { "state3", "  sim:persons{ state = 'child' }",
          "sim:persons: state: unknown value \"child\"; expected one of \"well\", " },
        { "tenure1", "  sim:households{ tenure = 'rent' }",
          "sim:households: tenure: unknown value \"rent\"; expected one of \"owned_outright\", \"mortgage\", "
          "\"private_rent\" or \"social_rent\" (hook" },
        { "tenure2", "  sim:households{ tenure = 'morgage' }",
          "sim:households: tenure: unknown value \"morgage\"; expected one of \"owned_outright\", \"mortgage\", "
          "\"private_rent\" or \"social_rent\" (did you mean \"mortgage\"?) (hook" },
        { "nbhd1", "  sim:households{ neighbourhood = 'B' }",
          "sim:households: neighbourhood: there is no neighbourhood named \"B\"" },
        { "nbhd2", "  sim:add_service{ name = 'x', capacity = 1, neighbourhoods = { 'AA' } }",
          "sim:add_service: neighbourhoods: there is no neighbourhood named \"AA\" (did you mean \"A\"?) (hook" },
    };
    expect_week_failures(bad, sizeof bad / sizeof bad[0]);
}

/* "Any of these" over no values: an empty list selects nobody, whatever the key. */
static void an_empty_list_in_a_filter_selects_nobody(void **state)
{
    (void)state;
    EXPECT_WEEK_OK("emptylists", "  assert(sim:persons{ state = {} }:count() == 0)\n"
                                 "  assert(sim:persons{ neighbourhood = {} }:count() == 0)\n"
                                 "  assert(sim:households{ tenure = {} }:count() == 0)\n"
                                 "  assert(sim:households{ neighbourhood = {} }:count() == 0)\n"
                                 "  local all = { 'well', 'struggling', 'crisis', 'recovering' }\n"
                                 "  assert(sim:persons{ state = all }:count() == sim:persons():count())");
}

/* in_service and waiting_for name support services only; anything else is
 * an error naming them. */
static void a_service_test_takes_only_support_services(void **state)
{
    (void)state;
    const char *services = "\"services\": [ { \"name\": \"crisis_team\", \"role\": \"crisis_team\", \"capacity\": 5 }, "
                           REFERRED_ONLY("debt_advice", "") " ]";
    expect_failure_of(scenario_with("inservice", IN_WEEK("  sim:persons{ in_service = 'crisis_team' }"), NULL, services),
                      "sim:persons: in_service: \"crisis_team\" is not a support service", "\"debt_advice\"", NULL);
    expect_failure_of(scenario_with("inservice2", IN_WEEK("  sim:persons{ in_service = sim:service('crisis_team') }"),
                                    NULL, services),
                      "sim:persons: in_service: \"crisis_team\" is not a support service", NULL);
    expect_failure_of(scenario_with("waitingfor", IN_WEEK("  sim:persons{ waiting_for = 'debt_advise' }"), NULL, services),
                      "sim:persons: waiting_for: there is no support service named \"debt_advise\"",
                      "(did you mean \"debt_advice\"?)", NULL);
    expect_failure_of(scenario_with("inservice3", IN_WEEK("  sim:persons{ in_service = 3 }"), NULL, services),
                      "sim:persons: in_service: expected true, false or the name of a support service, got a number", NULL);
    expect_success(scenario_with("inservice4", IN_WEEK("  assert(sim:persons{ in_service = 'debt_advice' }:count() == 0)\n"
                                                       "  assert(sim:persons{ waiting_for = true }:count() == 0)"),
                                 NULL, services),
                   NULL);
}

/* :modify{weeks = n} acts on exactly n weekly wellbeing steps, from the
 * next one: this week's from a week hook, next week's from an event hook.
 * An onset multiplier of 0 on everyone shows which weeks: no onsets. */
static void modify_lasts_its_weeks_from_any_hook(void **state)
{
    (void)state;
    const char *body = "local done = false\n"
                       "local function go(sim, p)\n"
                       "  if done or sim.week ~= 3 then return end\n"
                       "  done = true\n"
                       "  sim:persons():modify{ onset = 0, weeks = p.weeks }\n"
                       "end\n"
                       "return {\n"
                       "  params = { weeks = 1, from_event = false },\n"
                       "  week = function(sim, p) if not p.from_event then go(sim, p) end end,\n"
                       "  on = { onset = function(sim, p, person) if p.from_event then go(sim, p) end end },\n"
                       "}\n";
    const char *place = "\"weeks\": 10, \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 2000, "
                        "\"deprivation_decile\": 3 } ] }";
    for (int from_event = 0; from_event < 2; from_event++)
        for (int weeks = 1; weeks <= 3; weeks += 2) {
            char name[64], iv[128];
            snprintf(name, sizeof name, "modify%d%d", from_event, weeks);
            snprintf(iv, sizeof iv, "\"params\": { \"weeks\": %d, \"from_event\": %s }", weeks,
                     from_event ? "true" : "false");
            expect_success(scenario_with(name, body, iv, place), name);
            int first = 3 + from_event;
            for (int week = 2; week < 10; week++) {
                double onsets = ts_at(name, "onsets", week);
                int modified = week >= first && week < first + weeks;
                if ((onsets == 0) != modified)
                    fail_msg("%s: week %d: %g onsets; expected %s", name, week, onsets, modified ? "none" : "some");
            }
        }
    expect_failure("modifyrange", IN_WEEK("  sim:persons():modify{ onset = 200, weeks = 1 }"), NULL,
                   ":modify: onset: expected a number from 0 to 100, got 200", NULL);
}

/* A start_week the run never reaches is an error; an end_week after the
 * run ends with the run, and finish still runs, after the last week. */
/* The records :modify keeps were engine memory without a bound (2,000
 * calls a week reached 1.9 GB); they count against the script's memory
 * budget now, until they run out. */
static void modify_records_count_against_the_memory_budget(void **state)
{
    (void)state;
    expect_failure("mod_bomb",
                   IN_WEEK("  local all = sim:persons{}\n"
                           "  for i = 1, 200 do all:modify{ onset = 1, weeks = 5200 } end"),
                   "\"memory_mb\": 1", "sb_mod_bomb.lua:3: :modify:", "more records",
                   "limits.memory_mb is 1 MB", "hook week, week 2", NULL);
    /* records that ran out leave the budget: 60 calls a week fit, week after week */
    expect_success(scenario_for("mod_weekly",
                                IN_WEEK("  local all = sim:persons{}\n"
                                        "  for i = 1, 60 do all:modify{ onset = 1, weeks = 1 } end"),
                                "\"memory_mb\": 1"),
                   NULL);
}

static void intervention_weeks_fit_the_run(void **state)
{
    (void)state;
    expect_failure_of(scenario_with("startlate", "return {}\n", "\"start_week\": 7", NULL), "sb_startlate.json: ",
                      "interventions[sb_startlate].start_week: expected a week before the end of the run",
                      "(weeks is 6", "got 7", NULL);
    expect_failure_of(scenario_with("startend", "return {}\n", "\"start_week\": 6", NULL),
                      "interventions[sb_startend].start_week", "weeks is 6", NULL);
    const char *body = "return {\n"
                       "  week = function(sim, p) sim:record('finished', 0) end,\n"
                       "  finish = function(sim, p) sim:record('finished', 1); sim:record('finish_week', sim.week) end,\n"
                       "}\n";
    expect_success(scenario_with("endlate", body, "\"end_week\": 40", NULL), "endlate_out");
    assert_true(ts_at("endlate_out", "finished", 4) == 0);
    assert_true(ts_at("endlate_out", "finished", 5) == 1);
    assert_true(ts_at("endlate_out", "finish_week", 5) == 5);
}

/* sim:record may not make a column timeseries.csv has, or may have. */
static void record_refuses_the_engines_column_names(void **state)
{
    (void)state;
    const char *taken[] = { "replicate", "week", "onsets", "cost_total", "cost_council", "cost_anything" };
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        char name[64], body[256], msg[128];
        snprintf(name, sizeof name, "record_%s", taken[i]);
        snprintf(body, sizeof body, IN_WEEK("  sim:record('%s', 1)"), taken[i]);
        snprintf(msg, sizeof msg, "sim:record: \"%s\" is a column of the engine's own", taken[i]);
        expect_failure(name, body, NULL, msg, "choose a name of your own", NULL);
    }
    expect_success(scenario_for("record_own", IN_WEEK("  sim:record('weekly', 1)\n  sim:record('costs', 2)"), NULL),
                   "record_own");
    assert_true(ts_at("record_own", "weekly", 3) == 1 && ts_at("record_own", "costs", 3) == 2);
}

/* pairs and next visit keys in a defined order: integers ascending, other
 * numbers ascending, strings in byte order, false, true. */
static void pairs_and_next_visit_keys_in_a_defined_order(void **state)
{
    (void)state;
    EXPECT_WEEK_OK("order",
                   "  local t = { [3] = 'c', [1] = 'a', b = 1, a = 2, ab = 3, [2.5] = 4, [1e300] = 5, [true] = 6, [false] = 7,\n"
                   "              [-1] = 8, [''] = 9 }\n"
                   "  local seen = {}\n"
                   "  for k, v in pairs(t) do seen[#seen + 1] = tostring(k) .. '=' .. tostring(v) end\n"
                   "  local want = '-1=8 1=a 3=c 2.5=4 1e+300=5 =9 a=2 ab=3 b=1 false=7 true=6'\n"
                   "  assert(table.concat(seen, ' ') == want, table.concat(seen, ' '))\n"
                   "  local by_next, k = {}, next(t)\n"
                   "  while k ~= nil do by_next[#by_next + 1] = tostring(k) .. '=' .. tostring(t[k]); k = next(t, k) end\n"
                   "  assert(table.concat(by_next, ' ') == want, table.concat(by_next, ' '))\n"
                   "  assert(next({}) == nil and next(t, true) == nil)\n"
                   "  -- a list, in order, even when removing as it goes\n"
                   "  local list, n = { 10, 20, 30, 40 }, 0\n"
                   "  for i, v in pairs(list) do n = n + 1; assert(v == i * 10); list[i + 1] = nil end\n"
                   "  assert(n == 2)\n"
                   "  -- keys removed meanwhile are skipped\n"
                   "  local u, got = { x = 1, y = 2, z = 3 }, {}\n"
                   "  for k in pairs(u) do got[#got + 1] = k; u.y = nil end\n"
                   "  assert(table.concat(got) == 'xz', table.concat(got))\n"
                   "  -- __pairs is respected\n"
                   "  local function one(_, k) if not k then return 1, 'one' end end\n"
                   "  local m = setmetatable({}, { __pairs = function(self) return one, self, nil end })\n"
                   "  for k, v in pairs(m) do assert(k == 1 and v == 'one') end");
    expect_failure("orderkey", IN_WEEK("  for k in pairs({ [{}] = 1 }) do end"), NULL, "sb_orderkey.lua:2:",
                   "pairs: the table has a key that is a table", "no order that is the same in every run", NULL);
    expect_failure("orderkey2", IN_WEEK("  next({ [sim:persons()] = 1 })"), NULL,
                   "next: the table has a key that is a userdata", NULL);
    /* the work counts: pairs sorts, and next scans the table at each call */
    expect_failure("ordercost", IN_WEEK("  local t = {}\n  for i = 1, 2000 do t['k' .. i] = i end\n"
                                        "  local k = next(t)\n  while k do k = next(t, k) end"),
                   "\"instructions\": 1000000", "instruction budget exceeded", NULL);
}

/* The order of pairs over names is the same in every run: separate
 * processes, so separate seeds of Lua's string hashing. */
static void pairs_order_is_the_same_in_every_run(void **state)
{
    (void)state;
    const char *path = scenario_for("orderruns", IN_WEEK("  local t, order, i = {}, 0, 0\n"
                                                          "  for j = 1, 300 do t['name' .. j] = j end\n"
                                                          "  for k, v in pairs(t) do\n"
                                                          "    i = i + 1\n"
                                                          "    order = (order * 31 + v * i) % 1000003\n"
                                                          "  end\n"
                                                          "  sim:record('order', order)"),
                                    NULL);
    char *first = NULL;
    for (int run = 0; run < 4; run++) {
        char *text = ts_run_read(path, ts_path(run ? "orderruns_b" : "orderruns_a"), "timeseries.csv");
        assert_non_null(text);
        if (!first) first = text;
        else {
            if (strcmp(first, text)) fail_msg("run %d gave another timeseries.csv:\n%s\nthan the first:\n%s", run, text, first);
            free(text);
        }
    }
    free(first);
}

/* Spending is a finite amount of 0 or more. */
static void spend_takes_amounts_of_zero_or_more(void **state)
{
    (void)state;
    static const bad_week bad[] = {
        { "spendneg", "  sim:spend('council', -5, 'refund')",
          "sim:spend: amount: expected a finite amount of GBP 0 or more, got -5" },
        { "spendnan", "  sim:spend('council', 0/0)", "sim:spend: amount: expected a finite amount of GBP 0 or more, got NaN" },
        { "spendinf", "  sim:spend('council', math.huge)",
          "sim:spend: amount: expected a finite amount of GBP 0 or more, got inf" },
    };
    expect_week_failures(bad, sizeof bad / sizeof bad[0]);
    expect_success(scenario_for("spendzero", IN_WEEK("  sim:spend('council', 0)\n  sim:spend('council', 12.5)"), NULL),
                   "spendzero");
    assert_true(ts_at("spendzero", "cost_council", 3) == 12.5);
}

/* sim:log does not go through the global print a script may replace. */
static void log_does_not_depend_on_print(void **state)
{
    (void)state;
    expect_success(scenario_for("logprint", "print = function() error('print was replaced') end\n"
                                            "return { week = function(sim, p) sim:log('hello', sim.week) end }\n",
                                NULL),
                   "logprint");
    expect_success(scenario_for("lognoprint", "print = nil\n"
                                              "return { week = function(sim, p) sim:log('still here') end }\n",
                                NULL),
                   "lognoprint");
    char *log = out_file("logprint", "log.txt");
    assert_true(strncmp(log, "replicate 0, week 2, ", 21) == 0);
    assert_non_null(strstr(log, "sb_logprint.lua: hello\t2\n"));
    free(log);
    log = out_file("lognoprint", "log.txt");
    assert_non_null(strstr(log, "sb_lognoprint.lua: still here\n"));
    free(log);
}

/* sim:rand_for(entity [, label]) is the entity's luck for the decision this
 * week: the same number for the same arguments, whatever else has drawn,
 * and the same in a scenario that adds another intervention (common random
 * numbers); another label, person or household gives another number. */
/* sim:log kept 1,000 lines but any number of bytes: 300 lines of a
 * megabyte a week made a log of a gigabyte. Here 400 lines of 100 KB. */
static void the_log_is_bounded_in_bytes(void **state)
{
    (void)state;
    const char *body = "local big = string.rep('x', 100000) .. '\\u{e9}'\n"
                       "return { week = function(sim, p)\n"
                       "  sim:log('short')\n"
                       "  for i = 1, 100 do sim:log(big) end\n"
                       "end }\n";
    expect_success(scenario_for("logbytes", body, NULL), "logbytes_out");
    char *log = out_file("logbytes_out", "log.txt");
    size_t len = strlen(log);
    print_message("log.txt: %zu bytes, %d lines\n", len, ts_count_lines(log));
    assert_true(len <= 200000 + 4096);
    assert_non_null(strstr(log, ": short\n"));
    assert_non_null(strstr(log, "xxx ... (cut)\n"));
    assert_non_null(strstr(log, "(more lines were left out)\n"));
    /* a line is cut to 2,000 bytes of what the script wrote */
    const char *first = strstr(log, "xxx");
    assert_non_null(first);
    assert_int_equal(strstr(first, " ... (cut)") - first, 2000);
    free(log);
}

static void rand_for_is_keyed_to_the_entity(void **state)
{
    (void)state;
    const char *luck = "return { week = function(sim, p)\n"
                       "  local one = sim:persons():sample(1)\n"
                       "  local home = one:households()\n"
                       "  local u = sim:rand_for(one)\n"
                       "  for i = 1, 7 do sim:rand() end\n"
                       "  sim:persons():sample(3):each(function(m) sim:rand_for(m) end)\n"
                       "  assert(sim:rand_for(one) == u and u >= 0 and u < 1)\n"
                       "  assert(sim:rand_for(one, 'other') ~= u and sim:rand_for(home) ~= u)\n"
                       "  assert(sim:rand_for(one, 'other') == sim:rand_for(one, 'other'))\n"
                       "  sim:record('u', u)\n"
                       "  sim:record('v', sim:rand_for(home, 'move'))\n"
                       "end }\n";
    expect_success(scenario_for("luck", luck, NULL), "luck_alone");
    /* the same script beside another that draws and changes the world */
    ts_write("sb_noise.lua", "return { week = function(sim, p)\n"
                             "  for i = 1, 100 do sim:rand() end\n"
                             "  sim:persons{ state = 'struggling' }:modify{ onset = 0.5, crisis = 2, weeks = 1 }\n"
                             "end }\n");
    const char *both = ts_write("sb_luck2.json",
                                "{ \"extends\": \"sb_luck.json\", \"interventions\": [ { \"name\": \"noise\", "
                                "\"script\": \"sb_noise.lua\", \"start_week\": 0 } ] }\n");
    expect_success(both, "luck_both");
    for (int week = 2; week < 6; week++) {
        assert_true(ts_at("luck_alone", "u", week) == ts_at("luck_both", "u", week));
        assert_true(ts_at("luck_alone", "v", week) == ts_at("luck_both", "v", week));
    }
    assert_true(ts_at("luck_alone", "u", 2) != ts_at("luck_alone", "u", 3)); /* a new week, new luck */
    static const bad_week bad[] = {
        { "luckmany", "  sim:rand_for(sim:persons())",
          "sim:rand_for: expected a person or household (a selection of one), got a selection of" },
        { "lucknum", "  sim:rand_for(42)",
          "sim:rand_for: expected a person or household (a selection of one), got a number" },
        { "lucklabel", "  sim:rand_for(sim:persons():sample(1), {})", "sim:rand_for: label: expected a string, got a table" },
    };
    expect_week_failures(bad, sizeof bad / sizeof bad[0]);
}

/* service_end says whether the episode was completed, and a completer made
 * WELL by recover_on_completion fires recovery, right after it. */
static void service_end_says_completed_and_completion_recoveries_fire(void **state)
{
    (void)state;
    const char *body = "local done, recovered, ended = 0, 0, {}\n"
                       "return {\n"
                       "  week = function(sim, p)\n"
                       "    done, recovered, ended = 0, 0, {}\n"
                       "    sim:record('done', 0)\n"
                       "    sim:record('recovered', 0)\n"
                       "  end,\n"
                       "  on = {\n"
                       "    service_end = function(sim, p, person, service, completed)\n"
                       "      assert(type(completed) == 'boolean', 'completed is a ' .. type(completed))\n"
                       "      if completed then done = done + 1; ended[person.id] = true end\n"
                       "      sim:record('done', done)\n"
                       "    end,\n"
                       "    recovery = function(sim, p, person)\n"
                       "      if ended[person.id] then recovered = recovered + 1 end\n"
                       "      sim:record('recovered', recovered)\n"
                       "    end,\n"
                       "  },\n"
                       "}\n";
    const char *path = scenario_with(
        "serviceend", body, NULL,
        "\"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 1000, \"deprivation_decile\": 2 } ] },\n"
        "  \"services\": [ { \"name\": \"therapy\", \"capacity\": 5000, \"eligible\": { \"states\": [\"struggling\"] },\n"
        "    \"access\": { \"route\": \"self\", \"uptake\": 0.3 }, \"episode_weeks\": 1, \"completion\": 0.6,\n"
        "    \"effects\": { \"recover_on_completion\": 1 } } ]");
    expect_success(path, "serviceend_out");
    double recovered = 0;
    for (int week = 2; week < 6; week++) {
        double done = ts_at("serviceend_out", "done", week);
        assert_true(done > 0);
        assert_true(done == sv_at("serviceend_out", "therapy", "completed", week));
        assert_true(ts_at("serviceend_out", "recovered", week) <= done);
        recovered += ts_at("serviceend_out", "recovered", week);
    }
    assert_true(recovered > 0);
}

/* What a script prints at its top level, as it loads in each replicate,
 * reaches the log. */
static void top_level_prints_reach_the_log(void **state)
{
    (void)state;
    const char *path = scenario_with("toplevel", "print('loaded', 42)\nwarn('a warning')\nreturn {}\n", NULL,
                                     "\"replicates\": 2");
    expect_success(path, "toplevel");
    char *log = out_file("toplevel", "log.txt");
    assert_non_null(strstr(log, "replicate 0, loading, "));
    assert_non_null(strstr(log, "sb_toplevel.lua: loaded\t42\n"));
    assert_non_null(strstr(log, "sb_toplevel.lua: a warning\n"));
    assert_non_null(strstr(log, "replicate 1, loading, "));
    free(log);
}

/* A failure in one replicate names it, so a script writer can tell a
 * failure that depends on the luck of the draw from one that always comes. */
static void script_errors_name_the_replicate(void **state)
{
    (void)state;
    char msg[PS_ERROR_MAX];
    const char *path = scenario_with("whichrep", "return { week = function(sim)\n"
                                                 "  if sim.replicate == 2 and sim.week == 3 then error('unlucky') end\n"
                                                 "end }\n",
                                     NULL, "\"replicates\": 3");
    assert_int_equal(load_and_run(path, msg, sizeof msg), PS_ERR_SCRIPT);
    print_message("%s\n", msg);
    assert_non_null(strstr(msg, "sb_whichrep.lua:2: unlucky (hook week, week 3, replicate 2)"));
}

/* Handles say what they are; a missing add_service key is a one-line
 * "expected ..." like any other. */
static void handles_print_and_add_service_says_what_is_missing(void **state)
{
    (void)state;
    expect_success(scenario_with("tostring", IN_WEEK("  assert(tostring(sim:service('link')) == 'service \"link\"')\n"
                                                     "  assert(tostring(sim:neighbourhoods()[1]) == 'neighbourhood \"A\"')\n"
                                                     "  assert(tostring(sim:persons():sample(2)) == 'selection of 2 persons')"),
                                 NULL, "\"services\": [ " REFERRED_ONLY("link", "") " ]"),
                   NULL);
    char msg[PS_ERROR_MAX];
    const char *path = scenario_for("addmissing", "return { setup = function(sim) sim:add_service{ name = 'x' } end }\n", NULL);
    assert_int_equal(load_and_run(path, msg, sizeof msg), PS_ERR_SCRIPT);
    print_message("%s\n", msg);
    assert_non_null(strstr(msg, "sim:add_service: capacity: missing; expected a whole number from 0 to 10000000 (cases) "
                                "(hook setup, week 2, replicate 0)"));
}

/* Through the program: a failing script exits 1, names it, writes nothing. */
static void a_failing_run_writes_nothing(void **state)
{
    (void)state;
    const char *path = scenario_for("cli", IN_WEEK("  while true do end"), SMALL_BUDGET);
    const char *out = ts_path("sb_cli_out");
    ts_cmd c = ts_run("run %s --out %s --quiet", path, out);
    assert_int_equal(c.status, 1);
    assert_non_null(strstr(c.err, "sb_cli.lua:2:"));
    assert_non_null(strstr(c.err, "instruction budget exceeded"));
    assert_int_equal(ts_count_lines(c.err), 1);
    assert_false(ts_exists(out));
    ts_cmd_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(io_is_not_there),
        cmocka_unit_test(os_is_not_there),
        cmocka_unit_test(package_and_require_are_not_there),
        cmocka_unit_test(debug_is_not_there),
        cmocka_unit_test(files_cannot_be_loaded),
        cmocka_unit_test(binary_chunks_are_refused),
        cmocka_unit_test(string_dump_is_gone),
        cmocka_unit_test(the_string_metatable_is_hidden),
        cmocka_unit_test(collectgarbage_only_counts),
        cmocka_unit_test(math_random_is_the_deterministic_stream),
        cmocka_unit_test(finalizers_are_refused),
        cmocka_unit_test(loading_a_script_never_aborts),
        cmocka_unit_test(an_endless_loop_breaks_the_budget),
        cmocka_unit_test(an_endless_loop_inside_pcall_still_breaks_the_budget),
        cmocka_unit_test(an_xpcall_handler_cannot_escape_the_budget),
        cmocka_unit_test(an_endless_loop_inside_a_coroutine_breaks_the_budget),
        cmocka_unit_test(a_memory_bomb_breaks_the_memory_budget),
        cmocka_unit_test(garbage_does_not_break_the_memory_budget),
        cmocka_unit_test(a_runaway_pattern_breaks_the_budget),
        cmocka_unit_test(c_loops_are_charged),
        cmocka_unit_test(charged_library_functions_behave_as_lua),
        cmocka_unit_test(a_loop_at_load_time_breaks_the_budget),
        cmocka_unit_test(patterns_still_work),
        cmocka_unit_test(a_script_error_names_script_line_hook_and_week),
        cmocka_unit_test(every_failure_names_the_script_and_line),
        cmocka_unit_test(params_are_checked_against_their_ranges),
        cmocka_unit_test(record_takes_finite_numbers_and_random_is_luas),
        cmocka_unit_test(no_filter_selects_everyone),
        cmocka_unit_test(selections_take_exactly_whom_their_filters_describe),
        cmocka_unit_test(selection_conversions_count_against_the_budget),
        cmocka_unit_test(many_sample_calls_in_a_week_pick_independently),
        cmocka_unit_test(script_referrals_are_counted),
        cmocka_unit_test(refer_respects_the_service_neighbourhoods),
        cmocka_unit_test(crisis_pathway_handles_count_referrals_as_services_csv),
        cmocka_unit_test(script_errors_name_the_replicate),
        cmocka_unit_test(filter_ranges_take_whole_numbers),
        cmocka_unit_test(numbers_in_messages_read_the_same_everywhere),
        cmocka_unit_test(unknown_state_or_tenure_names_the_method_and_the_values),
        cmocka_unit_test(an_empty_list_in_a_filter_selects_nobody),
        cmocka_unit_test(a_service_test_takes_only_support_services),
        cmocka_unit_test(modify_lasts_its_weeks_from_any_hook),
        cmocka_unit_test(modify_records_count_against_the_memory_budget),
        cmocka_unit_test(intervention_weeks_fit_the_run),
        cmocka_unit_test(record_refuses_the_engines_column_names),
        cmocka_unit_test(pairs_and_next_visit_keys_in_a_defined_order),
        cmocka_unit_test(pairs_order_is_the_same_in_every_run),
        cmocka_unit_test(spend_takes_amounts_of_zero_or_more),
        cmocka_unit_test(log_does_not_depend_on_print),
        cmocka_unit_test(the_log_is_bounded_in_bytes),
        cmocka_unit_test(rand_for_is_keyed_to_the_entity),
        cmocka_unit_test(service_end_says_completed_and_completion_recoveries_fire),
        cmocka_unit_test(top_level_prints_reach_the_log),
        cmocka_unit_test(handles_print_and_add_service_says_what_is_missing),
        cmocka_unit_test(a_failing_run_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
