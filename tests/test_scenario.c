/*
 * Scenario loading and validation as a user relies on it (DESIGN.md,
 * "Principles" 4 and "Scenario files"): every bad input is refused with a
 * message that names the file, the JSON path and what was expected;
 * extends, place files, defaults and --set resolve as documented; the
 * resolved JSON loads back to itself; and the program fails cleanly.
 *
 * Scenario files are written at run time into the test's temporary folder.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cJSON.h>

#include "json.h"
#include "placesim.h"
#include "scenario.h"
#include "support.h"

/* ------------------------------------------------------------ helpers */

/* A path held by value, so ts_write's rotating buffers cannot overwrite it. */
typedef struct pbuf {
    char s[512];
} pbuf;

#define MSG_MAX 4096

/* |a - b| <= eps, for doubles (cmocka's float assertion rounds to float). */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s is %.17g, expected %.17g", #a, a_, b_);      \
    } while (0)

static pbuf write_file(const char *name, const char *text)
{
    pbuf p;
    snprintf(p.s, sizeof p.s, "%s", ts_write(name, text));
    return p;
}

static pbuf tmp_path(const char *name)
{
    pbuf p;
    snprintf(p.s, sizeof p.s, "%s", ts_path(name));
    return p;
}

/* text begins with prefix */
#define assert_prefix(text, prefix)                                                                \
    do {                                                                                           \
        const char *t_ = (text), *p_ = (prefix);                                                   \
        if (strncmp(t_, p_, strlen(p_)) != 0) fail_msg("\"%s\" does not begin with \"%s\"", t_, p_); \
    } while (0)

/* A complete, small scenario that the bad inputs extend. */
static const char *base_json =
    "{\n"
    "  \"name\": \"Test base\",\n"
    "  \"weeks\": 52,\n"
    "  \"replicates\": 2,\n"
    "  \"place\": {\n"
    "    \"name\": \"Testville\",\n"
    "    \"neighbourhoods\": [\n"
    "      { \"name\": \"Foo\", \"households\": 200, \"deprivation_decile\": 1 },\n"
    "      { \"name\": \"Bar\", \"households\": 300, \"deprivation_decile\": 10 },\n"
    "      { \"name\": \"Mid\", \"households\": 250, \"deprivation_decile\": 4, \"unemployment\": 0.123 }\n"
    "    ]\n"
    "  },\n"
    "  \"services\": [\n"
    "    { \"name\": \"crisis_team\", \"role\": \"crisis_team\", \"capacity\": 60, \"cost_per_week\": 384 },\n"
    "    { \"name\": \"ae\", \"role\": \"emergency\", \"capacity\": 500, \"cost_per_start\": 313 },\n"
    "    { \"name\": \"beds\", \"role\": \"inpatient\", \"capacity\": 25, \"cost_per_week\": 3815 }\n"
    "  ]\n"
    "}\n";

static int write_base(void **state)
{
    (void)state;
    ts_write("base.json", base_json);
    return 0;
}

/* Loads path, which must fail with status want; returns the error. */
static ps_error load_fails(const char *path, const char *const *sets, size_t nsets, ps_status want)
{
    ps_error err;
    memset(&err, 0, sizeof err);
    ps_scenario *s = (ps_scenario *)&err; /* must be reset to NULL */
    ps_status st = ps_scenario_load(path, sets, nsets, &s, &err);
    if (st != want)
        print_error("expected %s, got %s: %s\n", ps_strerror(want), ps_strerror(st),
                    st ? err.message : "(loaded)");
    if (st == PS_OK) ps_scenario_free(s);
    assert_int_equal(st, want);
    assert_int_equal(err.status, want);
    assert_null(s);
    /* one line */
    assert_null(strchr(err.message, '\n'));
    return err;
}

/* Asserts that loading path (with sets) fails with status and exactly the
 * message formatted from the remaining arguments. */
#define EXPECT_ERROR(path, sets, nsets, status, ...)                                               \
    do {                                                                                           \
        char want_[MSG_MAX];                                                                       \
        snprintf(want_, sizeof want_, __VA_ARGS__);                                                \
        ps_error e_ = load_fails((path), (sets), (nsets), (status));                               \
        assert_string_equal(e_.message, want_);                                                    \
    } while (0)

/* Writes a scenario file name with text and asserts that it fails with
 * status and the message "<its path>: " followed by rest. */
#define EXPECT_FILE_ERROR(name, text, status, ...)                                                 \
    do {                                                                                           \
        pbuf p_ = write_file((name), (text));                                                      \
        char rest_[MSG_MAX / 2];                                                                   \
        snprintf(rest_, sizeof rest_, __VA_ARGS__);                                                \
        EXPECT_ERROR(p_.s, NULL, 0, (status), "%s: %s", p_.s, rest_);                              \
    } while (0)

/* Loads path (which must succeed) and returns its resolved JSON (ps_free). */
static char *resolved_text(const char *path, const char *const *sets, size_t nsets)
{
    ps_error err;
    ps_scenario *s = NULL;
    ps_status st = ps_scenario_load(path, sets, nsets, &s, &err);
    if (st) print_error("unexpected failure loading %s: %s\n", path, err.message);
    assert_int_equal(st, PS_OK);
    assert_non_null(s);
    char *text = ps_scenario_resolved_json(s);
    ps_scenario_free(s);
    assert_non_null(text);
    return text;
}

static cJSON *resolved_tree(const char *path, const char *const *sets, size_t nsets)
{
    char *text = resolved_text(path, sets, nsets);
    cJSON *tree = cJSON_Parse(text);
    ps_free(text);
    assert_non_null(tree);
    return tree;
}

/* The node at a path in the engine's form ("a.b", "services[ae].capacity"),
 * or NULL. */
static const cJSON *node_at(const cJSON *root, const char *path)
{
    char buf[600];
    char *tok[32];
    int n = scenario_split_path(path, buf, sizeof buf, tok, 32);
    assert_true(n > 0);
    const cJSON *node = root;
    for (int i = 0; i < n && node; i++) {
        if (cJSON_IsArray(node)) {
            const cJSON *found = NULL;
            for (const cJSON *it = node->child; it; it = it->next) {
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
                if (cJSON_IsString(nm) && strcmp(nm->valuestring, tok[i]) == 0) found = it;
            }
            node = found;
        } else {
            node = cJSON_GetObjectItemCaseSensitive(node, tok[i]);
        }
    }
    return node;
}

static double num_at(const cJSON *root, const char *path)
{
    const cJSON *v = node_at(root, path);
    if (!cJSON_IsNumber(v)) print_error("%s: not a number in the resolved scenario\n", path);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *str_at(const cJSON *root, const char *path)
{
    const cJSON *v = node_at(root, path);
    if (!cJSON_IsString(v)) print_error("%s: not a string in the resolved scenario\n", path);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* Names of the items of a list, joined with commas, into buf. */
static const char *names_of(const cJSON *root, const char *path, char *buf, size_t size)
{
    const cJSON *list = node_at(root, path);
    assert_true(cJSON_IsArray(list));
    size_t len = 0;
    buf[0] = '\0';
    for (const cJSON *it = list->child; it; it = it->next) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        assert_true(cJSON_IsString(nm));
        len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? "," : "",
                                nm->valuestring);
    }
    assert_true(len < size);
    return buf;
}

/* ============================================================ bad inputs */

static void misspelt_key_is_refused_with_a_suggestion(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("misspelt.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"crisis_team\", \"capcity\": 80 } ] }\n",
                      PS_ERR_INVALID, "services[crisis_team].capcity: unknown key (did you mean \"capacity\"?)");
}

static void misspelt_top_level_key_is_refused_with_a_suggestion(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("misspelt_top.json", "{ \"extends\": \"base.json\", \"seeed\": 7 }\n",
                      PS_ERR_INVALID, "seeed: unknown key (did you mean \"seed\"?)");
}

/* An intervention named after its script has no name when "script" is
 * misspelt: the misspelling is what is reported. */
static void misspelt_script_key_is_refused_with_a_suggestion(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("misspelt_script.json",
                      "{ \"extends\": \"base.json\", \"interventions\": [ { \"scirpt\": \"x.lua\" } ] }\n",
                      PS_ERR_INVALID, "interventions[0].scirpt: unknown key (did you mean \"script\"?)");
}

static void unknown_key_far_from_any_has_no_suggestion(void **state)
{
    (void)state;
    pbuf p = write_file("unknown.json", "{ \"extends\": \"base.json\",\n"
                                        "  \"model\": { \"onset\": { \"zebra_crossing\": 1 } } }\n");
    ps_error e = load_fails(p.s, NULL, 0, PS_ERR_INVALID);
    char want[MSG_MAX];
    snprintf(want, sizeof want, "%s: model.onset.zebra_crossing: unknown key", p.s);
    assert_string_equal(e.message, want);
    assert_null(strstr(e.message, "did you mean"));
}

static void negative_capacity_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("negative_capacity.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"crisis_team\", \"capacity\": -3 } ] }\n",
                      PS_ERR_INVALID,
                      "services[crisis_team].capacity: expected a whole number from 0 to 10000000, got -3");
}

static void decile_above_ten_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("decile11.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Foo\", \"deprivation_decile\": 11 } ] } }\n",
                      PS_ERR_INVALID,
                      "place.neighbourhoods[Foo].deprivation_decile: expected a whole number from 1 to 10, got 11");
}

static void decile_that_is_not_whole_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("decile2_5.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Foo\", \"deprivation_decile\": 2.5 } ] } }\n",
                      PS_ERR_INVALID,
                      "place.neighbourhoods[Foo].deprivation_decile: expected a whole number from 1 to 10, got 2.5");
}

static void broken_json_missing_comma_gives_line_and_column(void **state)
{
    (void)state;
    /* line 3, column 13 is the '"' of "weeks" where a comma should be */
    pbuf p = write_file("broken_comma.json", "{\n"
                                             "  \"name\": \"x\",\n"
                                             "  \"seed\": 1 \"weeks\": 2\n"
                                             "}\n");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_PARSE, "%s:3:13: malformed JSON near '\"weeks\": 2'", p.s);
}

static void broken_json_trailing_comma_points_at_the_brace(void **state)
{
    (void)state;
    pbuf p = write_file("broken_trailing.json", "{\n"
                                                "  \"name\": \"x\",\n"
                                                "  \"seed\": 1,\n"
                                                "}\n");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_PARSE,
                 "%s:4:1: malformed JSON near '}': expected a key in double quotes", p.s);
}

static void broken_json_unquoted_key_points_at_the_key(void **state)
{
    (void)state;
    pbuf p = write_file("broken_unquoted.json", "{\n"
                                                "  \"name\": \"x\",\n"
                                                "  weeks: 2\n"
                                                "}\n");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_PARSE,
                 "%s:3:3: malformed JSON near 'weeks: 2': expected a key in double quotes", p.s);
}

static void truncated_json_reports_end_of_file(void **state)
{
    (void)state;
    pbuf p = write_file("truncated.json", "{\n"
                                          "  \"name\": \"x\",\n"
                                          "  \"seed\": 1\n");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_PARSE, "%s:4:1: malformed JSON: unexpected end of file", p.s);
}

static void empty_file_is_refused(void **state)
{
    (void)state;
    pbuf p = write_file("empty.json", "");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_PARSE, "%s:1:1: malformed JSON: unexpected end of file", p.s);
}

static void top_level_that_is_not_an_object_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("top_array.json", "[ { \"name\": \"x\" } ]\n", PS_ERR_INVALID,
                      "(top level): expected an object, got an array");
}

static void string_where_a_number_belongs_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("string_for_number.json", "{ \"extends\": \"base.json\", \"weeks\": \"52\" }\n",
                      PS_ERR_INVALID, "weeks: expected a whole number from 1 to 5200, got \"52\"");
}

static void number_where_a_string_belongs_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("number_for_string.json", "{ \"extends\": \"base.json\", \"name\": 3 }\n",
                      PS_ERR_INVALID, "name: expected a string, got 3");
}

static void object_where_a_number_belongs_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("object_for_number.json",
                      "{ \"extends\": \"base.json\", \"model\": { \"onset\": { \"debt\": {} } } }\n",
                      PS_ERR_INVALID, "model.onset.debt: expected a number from 0 to 100, got an object");
}

static void place_that_is_neither_object_nor_file_name_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("place_number.json", "{ \"extends\": \"base.json\", \"place\": 3 }\n",
                      PS_ERR_INVALID, "place: expected an object or a place file name, got 3");
}

static void misspelt_enum_value_suggests_the_right_one(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("enum.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"crisis_team\", \"role\": \"crisis_tem\" } ] }\n",
                      PS_ERR_INVALID,
                      "services[crisis_team].role: expected one of \"crisis_team\", \"emergency\", \"inpatient\" or "
                      "\"support\", got \"crisis_tem\" (did you mean \"crisis_team\"?)");
}

static void key_given_twice_in_one_object_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("dup_key.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"crisis_team\", \"capacity\": 70, \"capacity\": 80 } ] }\n",
                      PS_ERR_PARSE,
                      "services[crisis_team].capacity: expected each key once in an object, got it twice");
}

static void top_level_key_given_twice_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("dup_top.json", "{ \"extends\": \"base.json\", \"seed\": 1, \"seed\": 2 }\n",
                      PS_ERR_PARSE, "seed: expected each key once in an object, got it twice");
}

static void duplicate_neighbourhood_name_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("dup_neighbourhood.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"place\": { \"neighbourhoods\": [\n"
                      "    { \"name\": \"New\", \"households\": 10, \"deprivation_decile\": 3 },\n"
                      "    { \"name\": \"New\", \"households\": 20, \"deprivation_decile\": 4 } ] } }\n",
                      PS_ERR_INVALID, "place.neighbourhoods[New].name: the name \"New\" is used twice");
}

static void list_item_without_a_name_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("no_name.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"ae\", \"capacity\": 400 }, { \"role\": \"emergency\" } ] }\n",
                      PS_ERR_INVALID, "services[1]: expected a \"name\" in every item");
}

static void list_item_name_with_a_space_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("name_space.json",
                      "{ \"extends\": \"base.json\", \"services\": [ { \"name\": \"crisis team\" } ] }\n",
                      PS_ERR_INVALID,
                      "services[0].name: expected a name of 1 to 63 letters, digits, '_' or '-', got \"crisis team\"");
}

static void list_item_name_with_a_dot_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("name_dot.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"place\": { \"neighbourhoods\": [ { \"name\": \"St.Mary\", \"households\": 5 } ] } }\n",
                      PS_ERR_INVALID,
                      "place.neighbourhoods[0].name: expected a name of 1 to 63 letters, digits, '_' or '-', "
                      "got \"St.Mary\"");
}

static void share_above_one_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("share.json",
                      "{ \"extends\": \"base.json\", \"population\": { \"one_person_share\": 1.5 } }\n",
                      PS_ERR_INVALID, "population.one_person_share: expected a number from 0 to 1, got 1.5");
}

static void scale_that_leaves_no_household_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("scale_tiny.json", "{ \"extends\": \"base.json\", \"population\": { \"scale\": 0.000001 } }\n",
                      PS_ERR_INVALID,
                      "population.scale: expected a scale that leaves at least one household, got 1e-06");
}

static void capacity_beyond_a_billion_places_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("cap_huge.json",
                      "{ \"extends\": \"base.json\", \"population\": { \"scale\": 1000 },\n"
                      "  \"services\": [ { \"name\": \"ae\", \"capacity\": 5000000 } ] }\n",
                      PS_ERR_INVALID,
                      "services[ae].capacity: expected at most 1000000000 places after population.scale (1000), got 5000000");
}

static void scale_zero_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("scale0.json", "{ \"extends\": \"base.json\", \"population\": { \"scale\": 0 } }\n",
                      PS_ERR_INVALID, "population.scale: expected a number > 0 and <= 1000, got 0");
}

static void tenure_shares_not_adding_to_one_are_refused(void **state)
{
    (void)state;
    /* 0.33 + 0.5 + 0.2 + 0.17; the other three are defaults, yet the
     * message names the scenario file, not "(default)" */
    EXPECT_FILE_ERROR("tenure.json",
                      "{ \"extends\": \"base.json\", \"population\": { \"tenure_mortgage\": 0.5 } }\n",
                      PS_ERR_INVALID,
                      "population.tenure_*: expected the four tenure shares to add up to 1, got 1.2");
}

static void extends_of_a_missing_file_is_refused(void **state)
{
    (void)state;
    pbuf missing = tmp_path("no_such_parent.json");
    EXPECT_FILE_ERROR("extends_missing.json", "{ \"extends\": \"no_such_parent.json\" }\n", PS_ERR_IO,
                      "extends: cannot open \"%s\": %s", missing.s, strerror(ENOENT));
}

static void extends_that_is_not_a_string_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("extends_number.json", "{ \"extends\": 3 }\n", PS_ERR_INVALID,
                      "extends: expected the name of the scenario file to extend, or a list of them, got 3");
}

static void extends_cycle_is_refused(void **state)
{
    (void)state;
    pbuf a = write_file("cycle_a.json", "{ \"extends\": \"cycle_b.json\", \"name\": \"a\" }\n");
    write_file("cycle_b.json", "{ \"extends\": \"cycle_a.json\", \"name\": \"b\" }\n");
    EXPECT_ERROR(a.s, NULL, 0, PS_ERR_INVALID,
                 "%s: extends: the chain of extends comes back to this file", a.s);
}

static void extends_cycle_through_differently_written_paths_is_refused(void **state)
{
    (void)state;
    /* the same file reached as "cycle_c.json" and "./cycle_c.json" */
    pbuf c = write_file("cycle_c.json", "{ \"extends\": \"./cycle_d.json\" }\n");
    write_file("cycle_d.json", "{ \"extends\": \"./cycle_c.json\" }\n");
    pbuf again = tmp_path("././cycle_c.json");
    EXPECT_ERROR(c.s, NULL, 0, PS_ERR_INVALID,
                 "%s: extends: the chain of extends comes back to this file", again.s);
}

static void extends_of_itself_is_refused(void **state)
{
    (void)state;
    pbuf self = write_file("self.json", "{ \"extends\": \"self.json\", \"name\": \"me\" }\n");
    EXPECT_ERROR(self.s, NULL, 0, PS_ERR_INVALID,
                 "%s: extends: the chain of extends comes back to this file", self.s);
}

static void remove_of_an_item_that_is_not_inherited_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("remove_missing.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"street_triage\", \"remove\": true } ] }\n",
                      PS_ERR_INVALID,
                      "services[street_triage]: \"remove\": there is no inherited item named \"street_triage\"");
}

static void remove_when_the_parent_has_no_such_list_is_refused(void **state)
{
    (void)state;
    /* The parent gives no services at all: the item must not be added. */
    write_file("parent_without_services.json",
               "{ \"place\": { \"neighbourhoods\": [ { \"name\": \"Foo\", \"households\": 10, "
               "\"deprivation_decile\": 2 } ] } }\n");
    EXPECT_FILE_ERROR("remove_no_list.json",
                      "{ \"extends\": \"parent_without_services.json\",\n"
                      "  \"services\": [ { \"name\": \"beds\", \"remove\": true } ] }\n",
                      PS_ERR_INVALID, "services[beds]: \"remove\": there is no inherited item named \"beds\"");
}

static void remove_in_a_file_that_extends_nothing_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("remove_root.json", "{ \"services\": [ { \"name\": \"beds\", \"remove\": true } ] }\n",
                      PS_ERR_INVALID,
                      "services[beds]: \"remove\": there is no inherited item to remove (this file extends nothing)");
}

static void two_services_with_the_same_role_are_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("two_roles.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"street_triage\", \"role\": \"crisis_team\", \"capacity\": 5 } ] }\n",
                      PS_ERR_INVALID,
                      "services[street_triage].role: expected one service with role \"crisis_team\", but "
                      "\"crisis_team\" has it too");
}

/* The crisis team, A&E and beds have no waiting list, access route,
 * eligibility, episodes, effects or neighbourhoods: a support service's key
 * given to them is refused, not ignored, from a file or from --set. */
#define PATHWAY_ONLY                                                                                 \
    ": the crisis pathway has no waiting list, access route, eligibility, episodes, effects or "      \
    "neighbourhoods; expected only name, description, agency, role, capacity, cost_per_start, "       \
    "cost_per_week and cost_fixed_per_week"

static void support_keys_given_to_the_crisis_pathway_are_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("team_integrated.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"crisis_team\", \"integrated\": true } ] }\n",
                      PS_ERR_INVALID,
                      "services[crisis_team].integrated: the key does not apply to the crisis team "
                      "(role \"crisis_team\")" PATHWAY_ONLY);
    EXPECT_FILE_ERROR("ae_outreach.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"ae\", \"access\": { \"route\": \"outreach\" } } ] }\n",
                      PS_ERR_INVALID,
                      "services[ae].access: the key does not apply to A&E (role \"emergency\")" PATHWAY_ONLY);
    EXPECT_FILE_ERROR("beds_effects.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"services\": [ { \"name\": \"beds\", \"effects\": { \"recovery\": 2 } } ] }\n",
                      PS_ERR_INVALID,
                      "services[beds].effects: the key does not apply to the beds (role \"inpatient\")" PATHWAY_ONLY);
    /* a new service of the pathway too, with the key in the same item as its role */
    EXPECT_FILE_ERROR("pathway_only_new.json",
                      "{ \"services\": [ { \"name\": \"team\", \"role\": \"crisis_team\", \"capacity\": 5,\n"
                      "                    \"wait_dropout\": 0.1 } ],\n"
                      "  \"place\": { \"neighbourhoods\": [ { \"name\": \"A\", \"households\": 10 } ] } }\n",
                      PS_ERR_INVALID,
                      "services[team].wait_dropout: the key does not apply to the crisis team "
                      "(role \"crisis_team\")" PATHWAY_ONLY);
    const char *sets[] = { "services.beds.per_neighbourhood=true" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services.beds.per_neighbourhood=true: services[beds].per_neighbourhood: the key does not "
                 "apply to the beds (role \"inpatient\")" PATHWAY_ONLY);
    /* a misspelt key is still an unknown key, with its suggestion */
    const char *typo[] = { "services.ae.capasity=3" };
    EXPECT_ERROR(ts_path("base.json"), typo, 1, PS_ERR_INVALID,
                 "--set services.ae.capasity=3: services[ae].capasity: unknown key (did you mean \"capacity\"?)");
    /* the keys that apply are taken, and the resolved scenario holds only
     * those for the pathway, so it loads back */
    const char *fine[] = { "services.ae.cost_fixed_per_week=10", "services.crisis_team.agency=council" };
    cJSON *t = resolved_tree(ts_path("base.json"), fine, 2);
    assert_near(num_at(t, "services[ae].cost_fixed_per_week"), 10, 0);
    assert_null(node_at(t, "services[crisis_team].eligible"));
    assert_null(node_at(t, "services[beds].wait_dropout"));
    cJSON_Delete(t);
}

/* A shock that starts after the run's last week would do nothing: it is
 * refused, as an intervention is, also when --weeks shortens the run. */
static void shock_after_the_end_of_the_run_is_refused(void **state)
{
    (void)state;
    EXPECT_FILE_ERROR("late_shock.json",
                      "{ \"extends\": \"base.json\",\n"
                      "  \"shocks\": [ { \"name\": \"late\", \"start_week\": 52, \"debt_onset\": 2 } ] }\n",
                      PS_ERR_INVALID,
                      "shocks[late].start_week: expected a week before the end of the run (weeks is 52, so 0 to "
                      "51), got 52");
    pbuf p = write_file("shock_in_run.json", "{ \"extends\": \"base.json\",\n"
                                             "  \"shocks\": [ { \"name\": \"s\", \"start_week\": 40 } ] }\n");
    const char *shorter[] = { "weeks=30" };
    EXPECT_ERROR(p.s, shorter, 1, PS_ERR_INVALID,
                 "%s: shocks[s].start_week: expected a week before the end of the run (weeks is 30, so 0 to 29), "
                 "got 40", p.s);
    /* the last week is fine, and a shock may run past the end */
    const char *last[] = { "weeks=41" };
    cJSON *t = resolved_tree(p.s, last, 1);
    assert_near(num_at(t, "shocks[s].start_week"), 40, 0);
    cJSON_Delete(t);
}

static void missing_place_file_is_refused(void **state)
{
    (void)state;
    pbuf missing = tmp_path("nowhere/town.json");
    EXPECT_FILE_ERROR("place_missing.json", "{ \"extends\": \"base.json\", \"place\": \"nowhere/town.json\" }\n",
                      PS_ERR_IO, "place: cannot open place file \"%s\": %s", missing.s, strerror(ENOENT));
}

static void bad_value_in_a_place_file_names_the_place_file(void **state)
{
    (void)state;
    pbuf place = write_file("places/bad_town.json",
                            "{ \"name\": \"Bad town\",\n"
                            "  \"neighbourhoods\": [ { \"name\": \"Foo\", \"households\": 10, "
                            "\"deprivation_decile\": 0 } ] }\n");
    pbuf scen = write_file("uses_bad_town.json", "{ \"extends\": \"base.json\", \"place\": \"places/bad_town.json\" }\n");
    ps_error e = load_fails(scen.s, NULL, 0, PS_ERR_INVALID);
    char want[MSG_MAX];
    snprintf(want, sizeof want,
             "%s: place.neighbourhoods[Foo].deprivation_decile: expected a whole number from 1 to 10, got 0",
             place.s);
    assert_string_equal(e.message, want);
    assert_null(strstr(e.message, "uses_bad_town.json"));
}

static void bad_value_in_a_parent_names_the_parent(void **state)
{
    (void)state;
    pbuf parent = write_file("bad_parent.json", "{ \"extends\": \"base.json\", \"weeks\": 0 }\n");
    pbuf child = write_file("child_of_bad_parent.json", "{ \"extends\": \"bad_parent.json\", \"name\": \"c\" }\n");
    ps_error e = load_fails(child.s, NULL, 0, PS_ERR_INVALID);
    char want[MSG_MAX];
    snprintf(want, sizeof want, "%s: weeks: expected a whole number from 1 to 5200, got 0", parent.s);
    assert_string_equal(e.message, want);
    assert_null(strstr(e.message, "child_of_bad_parent.json"));
}

static void households_csv_without_persons_csv_is_refused(void **state)
{
    (void)state;
    write_file("households.csv", "household_id,neighbourhood,tenure\n1,Foo,social_rent\n");
    EXPECT_FILE_ERROR("hh_only.json",
                      "{ \"extends\": \"base.json\", \"population\": { \"households_csv\": \"households.csv\" } }\n",
                      PS_ERR_INVALID,
                      "population: expected households_csv and persons_csv together, got only households_csv");
}

static void missing_scenario_file_is_refused(void **state)
{
    (void)state;
    pbuf p = tmp_path("never_written.json");
    EXPECT_ERROR(p.s, NULL, 0, PS_ERR_IO, "%s: cannot open: %s", p.s, strerror(ENOENT));
}

static void missing_neighbourhoods_name_the_scenario_file(void **state)
{
    (void)state;
    /* The place object is filled in as a default, but the message must
     * still name a file a user can open, not "(default)". */
    pbuf p = write_file("no_place.json", "{ \"name\": \"nowhere\" }\n");
    ps_error e = load_fails(p.s, NULL, 0, PS_ERR_INVALID);
    char want[MSG_MAX];
    snprintf(want, sizeof want, "%s: place.neighbourhoods: missing; expected ", p.s);
    assert_prefix(e.message, want);
}

static void out_of_range_computed_default_is_explained(void **state)
{
    (void)state;
    /* unemployment_decile1 0.95 is a valid share, but Foo (decile 1) then
     * gets a default unemployment above the neighbourhood limit of 0.9 */
    EXPECT_FILE_ERROR("computed_default.json",
                      "{ \"extends\": \"base.json\", \"population\": { \"unemployment_decile1\": 0.95 } }\n",
                      PS_ERR_INVALID,
                      "place.neighbourhoods[Foo].unemployment: expected a number from 0 to 0.9, got 0.95 "
                      "(its default, computed from other keys)");
}

/* ------------------------------------------------------------ --set errors */

static void set_of_an_unknown_key_suggests_the_right_one(void **state)
{
    (void)state;
    const char *sets[] = { "services.crisis_team.capasity=80" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services.crisis_team.capasity=80: services[crisis_team].capasity: unknown key "
                 "(did you mean \"capacity\"?)");
}

static void set_of_a_bad_value_is_refused_naming_set(void **state)
{
    (void)state;
    const char *sets[] = { "services[crisis_team].capacity=-1" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services[crisis_team].capacity=-1: services[crisis_team].capacity: expected a whole number from 0 to 10000000, got -1");
}

static void set_of_a_word_for_a_number_is_refused_naming_set(void **state)
{
    (void)state;
    const char *sets[] = { "weeks=many" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set weeks=many: weeks: expected a whole number from 1 to 5200, got \"many\"");
}

/* Every --set is checked, even when a later one sets the same key (as
 * placesim run --set weeks=abc --weeks 3 does: --weeks is a later set). */
static void set_of_a_bad_value_is_refused_when_a_later_set_replaces_it(void **state)
{
    (void)state;
    const char *sets[] = { "weeks=abc", "weeks=3" };
    EXPECT_ERROR(ts_path("base.json"), sets, 2, PS_ERR_INVALID,
                 "--set weeks=abc: weeks: expected a whole number from 1 to 5200, got \"abc\"");
    const char *svc[] = { "services[crisis_team].capacity=-5", "services.crisis_team.capacity=60" };
    EXPECT_ERROR(ts_path("base.json"), svc, 2, PS_ERR_INVALID,
                 "--set services[crisis_team].capacity=-5: services[crisis_team].capacity: expected a whole number "
                 "from 0 to 10000000, got -5");
    const char *obj[] = { "model.onset={\"debt\": \"lots\"}", "model.onset={}" };
    EXPECT_ERROR(ts_path("base.json"), obj, 2, PS_ERR_INVALID,
                 "--set model.onset={\"debt\": \"lots\"}: model.onset.debt: expected a number from 0 to 100, "
                 "got \"lots\"");
    /* null still deletes a value, so its default applies */
    const char *reset[] = { "weeks=null" };
    cJSON *t = resolved_tree(ts_path("base.json"), reset, 1);
    assert_near(num_at(t, "weeks"), 520, 0);
    cJSON_Delete(t);
}

static void set_on_a_service_that_does_not_exist_suggests_the_closest(void **state)
{
    (void)state;
    const char *sets[] = { "services.crisis_tem.capacity=80" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services.crisis_tem.capacity=80: services: there is no item named \"crisis_tem\" "
                 "(did you mean \"crisis_team\"?)");
}

static void set_without_an_equals_sign_is_refused(void **state)
{
    (void)state;
    const char *sets[] = { "services.crisis_team.capacity" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services.crisis_team.capacity: expected PATH=VALUE");
}

static void set_with_an_empty_path_is_refused(void **state)
{
    (void)state;
    const char *sets[] = { "=80" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID, "--set =80: expected PATH=VALUE");
}

static void set_with_a_malformed_path_is_refused(void **state)
{
    (void)state;
    const char *sets[] = { "services..capacity=80" };
    EXPECT_ERROR(ts_path("base.json"), sets, 1, PS_ERR_INVALID,
                 "--set services..capacity=80: malformed path \"services..capacity\"");
}

static void status_strings_describe_the_errors(void **state)
{
    (void)state;
    assert_string_equal(ps_strerror(PS_OK), "success");
    assert_string_equal(ps_strerror(PS_ERR_IO), "input/output error");
    assert_string_equal(ps_strerror(PS_ERR_PARSE), "malformed input");
    assert_string_equal(ps_strerror(PS_ERR_INVALID), "invalid value");
    assert_string_equal(ps_strerror((ps_status)999), "unknown status");
}

/* ============================================================ extends */

static void extends_merges_objects_key_by_key(void **state)
{
    (void)state;
    write_file("merge_parent.json",
               "{ \"extends\": \"base.json\",\n"
               "  \"model\": { \"onset\": { \"debt\": 3, \"lonely\": 2.5 }, \"admission_share\": 0.4 },\n"
               "  \"population\": { \"lonely\": 0.07 } }\n");
    pbuf child = write_file("merge_child.json",
                            "{ \"extends\": \"merge_parent.json\",\n"
                            "  \"model\": { \"onset\": { \"debt\": 4 } },\n"
                            "  \"population\": { \"lonely_young\": 0.12 } }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    assert_near(num_at(t, "model.onset.debt"), 4, 0);           /* child wins */
    assert_near(num_at(t, "model.onset.lonely"), 2.5, 0);       /* parent kept */
    assert_near(num_at(t, "model.onset.unemployed"), 1.9, 0);   /* default */
    assert_near(num_at(t, "model.admission_share"), 0.4, 0);    /* parent kept */
    assert_near(num_at(t, "population.lonely"), 0.07, 0);
    assert_near(num_at(t, "population.lonely_young"), 0.12, 0);
    assert_string_equal(str_at(t, "place.name"), "Testville");          /* grandparent kept */
    cJSON_Delete(t);
}

static void extends_merges_services_by_name(void **state)
{
    (void)state;
    pbuf child = write_file("services_child.json",
                            "{ \"extends\": \"base.json\",\n"
                            "  \"services\": [ { \"name\": \"crisis_team\", \"capacity\": 80 } ] }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    char names[256];
    assert_string_equal(names_of(t, "services", names, sizeof names), "crisis_team,ae,beds");
    assert_near(num_at(t, "services[crisis_team].capacity"), 80, 0);
    assert_string_equal(str_at(t, "services[crisis_team].role"), "crisis_team");
    assert_near(num_at(t, "services[crisis_team].cost_per_week"), 384, 0);
    assert_near(num_at(t, "services[ae].capacity"), 500, 0);
    assert_near(num_at(t, "services[ae].cost_per_start"), 313, 0);
    assert_near(num_at(t, "services[beds].capacity"), 25, 0);
    assert_near(num_at(t, "services[beds].cost_per_week"), 3815, 0);
    cJSON_Delete(t);
}

static void extends_remove_drops_an_inherited_service(void **state)
{
    (void)state;
    pbuf child = write_file("remove_child.json",
                            "{ \"extends\": \"base.json\",\n"
                            "  \"services\": [ { \"name\": \"beds\", \"remove\": true } ] }\n");
    char *text = resolved_text(child.s, NULL, 0);
    /* "remove" is an instruction, not a key of the resolved scenario */
    assert_null(strstr(text, "\"remove\""));
    cJSON *t = cJSON_Parse(text);
    ps_free(text);
    assert_non_null(t);
    char names[256];
    assert_string_equal(names_of(t, "services", names, sizeof names), "crisis_team,ae");
    assert_null(node_at(t, "services[beds]"));
    cJSON_Delete(t);
}

static void extends_appends_a_new_named_item(void **state)
{
    (void)state;
    write_file("two_services.json",
               "{ \"extends\": \"base.json\",\n"
               "  \"services\": [ { \"name\": \"beds\", \"remove\": true } ] }\n");
    pbuf child = write_file("append_child.json",
                            "{ \"extends\": \"two_services.json\",\n"
                            "  \"services\": [ { \"name\": \"ward\", \"role\": \"inpatient\", \"capacity\": 12 } ],\n"
                            "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Newtown\", \"households\": 40, "
                            "\"deprivation_decile\": 6 } ] } }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    char names[256];
    assert_string_equal(names_of(t, "services", names, sizeof names), "crisis_team,ae,ward");
    assert_near(num_at(t, "services[ward].capacity"), 12, 0);
    assert_string_equal(str_at(t, "services[ward].agency"), "nhs"); /* defaults filled in */
    assert_string_equal(names_of(t, "place.neighbourhoods", names, sizeof names), "Foo,Bar,Mid,Newtown");
    assert_near(num_at(t, "place.neighbourhoods[Newtown].households"), 40, 0);
    cJSON_Delete(t);
}

/* The schema has no plain (unnamed) arrays yet, so "other arrays replace"
 * cannot be written; what the child gives that is not an object or a
 * named list replaces the parent's value whole. */
static void extends_replaces_values_that_are_not_merged(void **state)
{
    (void)state;
    pbuf child = write_file("replace_child.json",
                            "{ \"extends\": \"base.json\", \"name\": \"Child\", \"weeks\": 10,\n"
                            "  \"place\": { \"name\": \"Otherville\" } }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    assert_string_equal(str_at(t, "name"), "Child");
    assert_near(num_at(t, "weeks"), 10, 0);
    assert_near(num_at(t, "replicates"), 2, 0);
    assert_string_equal(str_at(t, "place.name"), "Otherville");
    char names[256];
    assert_string_equal(names_of(t, "place.neighbourhoods", names, sizeof names), "Foo,Bar,Mid");
    assert_null(node_at(t, "extends"));
    cJSON_Delete(t);
}

static void extends_chain_of_three_files(void **state)
{
    (void)state;
    write_file("chain/grand.json",
               "{ \"name\": \"grand\", \"weeks\": 100, \"replicates\": 3, \"seed\": 11,\n"
               "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Foo\", \"households\": 10, "
               "\"deprivation_decile\": 2 } ] },\n"
               "  \"services\": [ { \"name\": \"crisis_team\", \"role\": \"crisis_team\", \"capacity\": 10 },\n"
               "                { \"name\": \"ae\", \"role\": \"emergency\", \"capacity\": 20 } ] }\n");
    write_file("chain/mid/parent.json",
               "{ \"extends\": \"../grand.json\", \"name\": \"parent\", \"weeks\": 200,\n"
               "  \"services\": [ { \"name\": \"ae\", \"capacity\": 30 } ] }\n");
    pbuf child = write_file("chain/mid/child.json",
                            "{ \"extends\": \"parent.json\", \"replicates\": 5,\n"
                            "  \"services\": [ { \"name\": \"crisis_team\", \"cost_per_week\": 400 } ] }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    assert_string_equal(str_at(t, "name"), "parent");
    assert_near(num_at(t, "weeks"), 200, 0);
    assert_near(num_at(t, "replicates"), 5, 0);
    assert_near(num_at(t, "seed"), 11, 0);
    assert_near(num_at(t, "services[crisis_team].capacity"), 10, 0);
    assert_near(num_at(t, "services[crisis_team].cost_per_week"), 400, 0);
    assert_near(num_at(t, "services[ae].capacity"), 30, 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].households"), 10, 0);
    assert_null(node_at(t, "extends"));
    cJSON_Delete(t);
}

/* ============================================================ place files */

static const char *town_json =
    "{\n"
    "  \"name\": \"Filetown\",\n"
    "  \"description\": \"A place given as a file.\",\n"
    "  \"neighbourhoods\": [\n"
    "    { \"name\": \"East\", \"households\": 120, \"deprivation_decile\": 2 },\n"
    "    { \"name\": \"West\", \"households\": 80, \"deprivation_decile\": 9, \"debt\": 0.05 }\n"
    "  ]\n"
    "}\n";

static const char *services_json =
    "  \"services\": [ { \"name\": \"crisis_team\", \"role\": \"crisis_team\", \"capacity\": 7 } ]\n";

static void place_inline_and_place_file_resolve_identically(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, "{\n  \"name\": \"Place test\",\n  \"place\": %s,\n%s}\n", town_json,
             services_json);
    pbuf inl = write_file("place_inline.json", text);
    write_file("placedir/places/filetown.json", town_json);
    snprintf(text, sizeof text, "{\n  \"name\": \"Place test\",\n  \"place\": \"places/filetown.json\",\n%s}\n",
             services_json);
    pbuf fil = write_file("placedir/place_file.json", text);
    char *a = resolved_text(inl.s, NULL, 0);
    char *b = resolved_text(fil.s, NULL, 0);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"Filetown\""));
    ps_free(a);
    ps_free(b);
}

static void place_file_is_relative_to_the_file_that_names_it(void **state)
{
    (void)state;
    write_file("placedir/places/filetown.json", town_json);
    char text[4096];
    snprintf(text, sizeof text, "{\n  \"place\": \"places/filetown.json\",\n%s}\n", services_json);
    write_file("placedir/parent_with_place.json", text);
    /* the child is in another folder; the place file is the parent's */
    pbuf child = write_file("elsewhere/child.json", "{ \"extends\": \"../placedir/parent_with_place.json\" }\n");
    cJSON *t = resolved_tree(child.s, NULL, 0);
    assert_string_equal(str_at(t, "place.name"), "Filetown");
    assert_near(num_at(t, "place.neighbourhoods[West].debt"), 0.05, 0);
    cJSON_Delete(t);
}

/* ============================================================ defaults */

static void defaults_appear_in_the_resolved_json(void **state)
{
    (void)state;
    cJSON *t = resolved_tree(ts_path("base.json"), NULL, 0);
    assert_near(num_at(t, "seed"), 20261122, 0);
    assert_near(num_at(t, "burn_in_weeks"), 104, 0);
    assert_string_equal(str_at(t, "description"), "");
    assert_near(num_at(t, "population.scale"), 1, 0);
    assert_near(num_at(t, "population.mean_household_size"), 2.4, 0);
    assert_near(num_at(t, "population.retirement_age"), 66, 0);
    assert_near(num_at(t, "model.onset.base"), 0.0046, 0);
    assert_near(num_at(t, "model.qaly.crisis"), 0.45, 0);
    assert_near(num_at(t, "model.inpatient_stay_weeks"), 5, 0);
    assert_string_equal(str_at(t, "services[ae].agency"), "nhs");
    assert_near(num_at(t, "services[ae].cost_per_week"), 0, 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].housing_insecurity"),
                        num_at(t, "population.housing_insecurity"), 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].discrimination"),
                        num_at(t, "population.discrimination"), 0);
    /* optional keys without a default stay absent */
    assert_null(node_at(t, "population.households_csv"));
    cJSON_Delete(t);
}

static void neighbourhood_defaults_follow_the_decile(void **state)
{
    (void)state;
    cJSON *t = resolved_tree(ts_path("base.json"), NULL, 0);
    double u1 = num_at(t, "population.unemployment_decile1");
    double u10 = num_at(t, "population.unemployment_decile10");
    assert_near(u1, 0.08, 0);
    assert_near(u10, 0.02, 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].unemployment"), u1, 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Bar].unemployment"), u10, 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Foo].debt"), num_at(t, "population.debt_decile1"), 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Bar].debt"), num_at(t, "population.debt_decile10"), 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Foo].social_capital"), 0.35 + 0.03 * 1, 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Bar].social_capital"), 0.35 + 0.03 * 10, 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Mid].social_capital"), 0.35 + 0.03 * 4, 1e-12);
    /* decile 4 lies between the extremes */
    double mid = num_at(t, "place.neighbourhoods[Mid].debt");
    assert_true(mid < num_at(t, "place.neighbourhoods[Foo].debt"));
    assert_true(mid > num_at(t, "place.neighbourhoods[Bar].debt"));
    cJSON_Delete(t);
}

static void computed_defaults_use_the_scenarios_population_figures(void **state)
{
    (void)state;
    pbuf p = write_file("pop_figures.json",
                        "{ \"extends\": \"base.json\",\n"
                        "  \"population\": { \"unemployment_decile1\": 0.12, \"social_capital_start\": 0.2,\n"
                        "                  \"social_capital_per_decile\": 0.05 } }\n");
    cJSON *t = resolved_tree(p.s, NULL, 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].unemployment"), 0.12, 1e-12);
    assert_near(num_at(t, "place.neighbourhoods[Bar].social_capital"), 0.2 + 0.05 * 10, 1e-12);
    cJSON_Delete(t);
}

static void explicit_neighbourhood_value_is_kept(void **state)
{
    (void)state;
    cJSON *t = resolved_tree(ts_path("base.json"), NULL, 0);
    assert_near(num_at(t, "place.neighbourhoods[Mid].unemployment"), 0.123, 0);
    cJSON_Delete(t);
}

/* ============================================================ --set */

static void set_with_dotted_service_path_changes_capacity(void **state)
{
    (void)state;
    const char *sets[] = { "services.crisis_team.capacity=80" };
    cJSON *t = resolved_tree(ts_path("base.json"), sets, 1);
    assert_near(num_at(t, "services[crisis_team].capacity"), 80, 0);
    assert_near(num_at(t, "services[crisis_team].cost_per_week"), 384, 0);
    assert_near(num_at(t, "services[ae].capacity"), 500, 0);
    cJSON_Delete(t);
}

static void set_with_bracketed_service_path_changes_capacity(void **state)
{
    (void)state;
    const char *sets[] = { "services[crisis_team].capacity=80" };
    cJSON *t = resolved_tree(ts_path("base.json"), sets, 1);
    assert_near(num_at(t, "services[crisis_team].capacity"), 80, 0);
    cJSON_Delete(t);
}

static void both_set_path_forms_resolve_identically(void **state)
{
    (void)state;
    const char *dotted[] = { "services.crisis_team.capacity=80", "place.neighbourhoods.Foo.households=99" };
    const char *bracketed[] = { "services[crisis_team].capacity=80", "place.neighbourhoods[Foo].households=99" };
    char *a = resolved_text(ts_path("base.json"), dotted, 2);
    char *b = resolved_text(ts_path("base.json"), bracketed, 2);
    assert_string_equal(a, b);
    cJSON *t = cJSON_Parse(a);
    assert_non_null(t);
    assert_near(num_at(t, "services[crisis_team].capacity"), 80, 0);
    assert_near(num_at(t, "place.neighbourhoods[Foo].households"), 99, 0);
    cJSON_Delete(t);
    ps_free(a);
    ps_free(b);
}

static void set_takes_string_values(void **state)
{
    (void)state;
    const char *sets[] = { "name=Quick test: 10% scale", "services.ae.agency=nhs_acute",
                           "place.description=\"quoted\"" };
    cJSON *t = resolved_tree(ts_path("base.json"), sets, 3);
    assert_string_equal(str_at(t, "name"), "Quick test: 10% scale");
    assert_string_equal(str_at(t, "services[ae].agency"), "nhs_acute");
    assert_string_equal(str_at(t, "place.description"), "quoted");
    cJSON_Delete(t);
}

static void set_changes_a_nested_model_value(void **state)
{
    (void)state;
    const char *sets[] = { "model.onset.debt=3.5", "model.crisis_exit.crisis_team=0.5" };
    cJSON *t = resolved_tree(ts_path("base.json"), sets, 2);
    assert_near(num_at(t, "model.onset.debt"), 3.5, 0);
    assert_near(num_at(t, "model.onset.unemployed"), 1.9, 0); /* neighbours untouched */
    assert_near(num_at(t, "model.crisis_exit.crisis_team"), 0.5, 0);
    cJSON_Delete(t);
}

static void set_overrides_the_file_and_later_sets_win(void **state)
{
    (void)state;
    const char *sets[] = { "weeks=26", "population.scale=0.1", "weeks=30" };
    cJSON *t = resolved_tree(ts_path("base.json"), sets, 3);
    assert_near(num_at(t, "weeks"), 30, 0);
    assert_near(num_at(t, "population.scale"), 0.1, 0);
    cJSON_Delete(t);
}

/* A scenario with an intervention whose script declares a few params, and
 * gives one of them. */
static pbuf params_scenario(void)
{
    write_file("params_iv.lua", "return { params = { capacity = 40, success = 0.6, agency = 'council', open = true,\n"
                                "                     weights = { a = 1 } } }\n");
    return write_file("params_base.json", "{ \"extends\": \"base.json\",\n"
                                          "  \"interventions\": [ { \"name\": \"iv\", \"script\": \"params_iv.lua\",\n"
                                          "                       \"params\": { \"capacity\": 50 } } ] }\n");
}

/* --set reaches keys inside params, with either path form: it replaces a
 * param the file gives and adds one it does not, the value read as JSON. */
static void set_reaches_an_interventions_params(void **state)
{
    (void)state;
    pbuf p = params_scenario();
    const char *sets[] = { "interventions.iv.params.capacity=60", "interventions[iv].params.success=0.8",
                           "interventions[iv].params.agency=nhs", "interventions.iv.params.open=false",
                           "interventions.iv.params.weights.b=2" };
    cJSON *t = resolved_tree(p.s, sets, 5);
    assert_near(num_at(t, "interventions[iv].params.capacity"), 60, 0);
    assert_near(num_at(t, "interventions[iv].params.success"), 0.8, 0);
    assert_string_equal(str_at(t, "interventions[iv].params.agency"), "nhs");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "interventions"), 0), "params");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(params, "open")));
    assert_near(num_at(t, "interventions[iv].params.weights.b"), 2, 0);
    cJSON_Delete(t);
}

/* The script's checks apply to what --set puts in params, naming --set. */
static void set_into_params_is_checked_against_the_script(void **state)
{
    (void)state;
    pbuf p = params_scenario();
    const char *bad_type[] = { "interventions.iv.params.capacity=lots" };
    ps_error e = load_fails(p.s, bad_type, 1, PS_ERR_INVALID);
    assert_prefix(e.message, "--set interventions.iv.params.capacity=lots: interventions[iv].params.capacity: "
                             "expected a number, as the default in ");
    const char *unknown[] = { "interventions[iv].params.capasity=3" };
    e = load_fails(p.s, unknown, 1, PS_ERR_INVALID);
    assert_prefix(e.message, "--set interventions[iv].params.capasity=3: interventions[iv].params.capasity: unknown param");
    assert_non_null(strstr(e.message, "(did you mean \"capacity\"?)"));
    const char *not_object[] = { "interventions.iv.params.capacity.x=1" };
    EXPECT_ERROR(p.s, not_object, 1, PS_ERR_INVALID,
                 "--set interventions.iv.params.capacity.x=1: interventions[iv].params.capacity is not an object");
}

/* Objects --set makes on the way into params belong to that --set: a
 * message about one names the --set, never a file whose freed node once
 * had the same address. */
static void set_that_makes_objects_in_params_names_the_set(void **state)
{
    (void)state;
    pbuf p = params_scenario();
    const char *deep[] = { "interventions.iv.params.zzz.deep=1" };
    ps_error e = load_fails(p.s, deep, 1, PS_ERR_INVALID);
    assert_prefix(e.message, "--set interventions.iv.params.zzz.deep=1: interventions[iv].params.zzz: unknown param of ");
    /* the shipped pilot extends crisis_led.json, which used to be blamed */
    const char *pilot[] = { "interventions.debt_advice.params.zzz.deep=1" };
    e = load_fails("scenarios/debt_advice_pilot.json", pilot, 1, PS_ERR_INVALID);
    assert_string_equal(e.message, "--set interventions.debt_advice.params.zzz.deep=1: "
                                   "interventions[debt_advice].params.zzz: unknown param of scripts/debt_advice.lua");
}

/* The origins map forgets a node and what is below it, and still finds
 * every other node however their slots collided. */
static void origins_forget_a_subtree_and_keep_the_rest(void **state)
{
    (void)state;
    json_origins *o = json_origins_new();
    cJSON *root = cJSON_CreateObject();
    cJSON *keep[600], *gone[600];
    cJSON *sub = cJSON_AddObjectToObject(root, "sub");
    for (int i = 0; i < 600; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        keep[i] = cJSON_AddNumberToObject(root, k, i);
        gone[i] = cJSON_AddNumberToObject(sub, k, i);
    }
    assert_int_equal(json_origins_add(o, root, "a.json"), PS_OK);
    cJSON_DetachItemViaPointer(root, sub);
    json_origins_forget(o, sub);
    assert_null(json_origin(o, sub));
    for (int i = 0; i < 600; i++) {
        assert_null(json_origin(o, gone[i]));
        assert_non_null(json_origin(o, keep[i]));
        assert_string_equal(json_origin(o, keep[i]), "a.json");
    }
    assert_string_equal(json_origin(o, root), "a.json");
    /* a node recorded again answers with its new origin */
    assert_int_equal(json_origins_add(o, sub, "--set x=1"), PS_OK);
    assert_string_equal(json_origin(o, gone[7]), "--set x=1");
    cJSON_Delete(sub);
    cJSON_Delete(root);
    json_origins_free(o);
}

/* ============================================================ round trip */

static void assert_round_trip(const char *scenario, const char *const *sets, size_t nsets, const char *name)
{
    char *first = resolved_text(scenario, sets, nsets);
    pbuf copy = write_file(name, first);
    char *second = resolved_text(copy.s, NULL, 0);
    assert_string_equal(first, second);
    ps_free(first);
    ps_free(second);
}

static void resolved_json_loads_back_to_itself(void **state)
{
    (void)state;
    assert_round_trip("scenarios/crisis_led.json", NULL, 0, "roundtrip_crisis_led.json");
}

static void resolved_json_with_sets_and_extends_loads_back_to_itself(void **state)
{
    (void)state;
    const char *sets[] = { "model.onset.base=0.0051", "services[beds].capacity=31", "name=Round trip" };
    pbuf p = write_file("roundtrip_child.json",
                        "{ \"extends\": \"base.json\",\n"
                        "  \"population\": { \"debt_decile1\": 0.237, \"scale\": 0.37 },\n"
                        "  \"services\": [ { \"name\": \"ae\", \"remove\": true } ] }\n");
    assert_round_trip(p.s, sets, 3, "roundtrip_child_resolved.json");
}

/* Loading the resolved JSON must give the very same numbers, not numbers
 * that merely print alike: 0.35 + 0.03 x 3 is 0.43999999999999995, and a
 * seed of 2^53 - 1 has 16 digits. */
static void resolved_json_keeps_every_number_exactly(void **state)
{
    (void)state;
    pbuf p = write_file("exact.json",
                        "{ \"extends\": \"base.json\",\n"
                        "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Three\", \"households\": 10, "
                        "\"deprivation_decile\": 3 } ] },\n"
                        "  \"model\": { \"onset\": { \"base\": 0.0046000000000000007 } } }\n");
    const char *sets[] = { "seed=9007199254740991" };
    char *text = resolved_text(p.s, sets, 1);
    assert_non_null(strstr(text, "9007199254740991"));
    pbuf copy = write_file("exact_resolved.json", text);
    ps_free(text);
    cJSON *t = resolved_tree(copy.s, NULL, 0);
    assert_near(num_at(t, "place.neighbourhoods[Three].social_capital"), 0.35 + 0.03 * 3, 0);
    assert_near(num_at(t, "model.onset.base"), 0.0046000000000000007, 0);
    assert_true(num_at(t, "model.onset.base") != 0.0046);
    assert_near(num_at(t, "seed"), 9007199254740991.0, 0);
    cJSON_Delete(t);
}

/* ============================================================ the program */

/* Does the folder dir hold an entry whose name starts with prefix? */
static int has_entry_with_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int found = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) found = 1;
    closedir(d);
    return found;
}

/* placesim run on a bad scenario: status 1, one line on stderr that is
 * exactly "placesim: " + message, nothing on stdout, no output folder and
 * no temporary folder beside it. */
static void assert_run_fails_cleanly(const char *scenario, const char *outname, const char *message)
{
    pbuf out = tmp_path(outname);
    ts_cmd c = ts_run("run '%s' --out '%s' --quiet --threads 1", scenario, out.s);
    char want[MSG_MAX + 16];
    snprintf(want, sizeof want, "placesim: %s\n", message);
    if (c.status != 1) print_error("status %d, stderr: %s\n", c.status, c.err);
    assert_int_equal(c.status, 1);
    assert_string_equal(c.out, "");
    assert_int_equal(ts_count_lines(c.err), 1);
    assert_string_equal(c.err, want);
    assert_false(ts_exists(out.s));
    char tmpprefix[256];
    snprintf(tmpprefix, sizeof tmpprefix, "%s.tmp-", outname);
    assert_false(has_entry_with_prefix(ts_tmpdir(), tmpprefix));
    ts_cmd_free(&c);
}

static void run_with_misspelt_key_fails_cleanly(void **state)
{
    (void)state;
    pbuf p = write_file("run_misspelt.json", "{ \"extends\": \"base.json\", \"servces\": [] }\n");
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, "%s: servces: unknown key (did you mean \"services\"?)", p.s);
    assert_run_fails_cleanly(p.s, "out_misspelt", msg);
}

static void run_with_negative_capacity_fails_cleanly(void **state)
{
    (void)state;
    pbuf p = write_file("run_negative.json",
                        "{ \"extends\": \"base.json\",\n"
                        "  \"services\": [ { \"name\": \"beds\", \"capacity\": -3 } ] }\n");
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, "%s: services[beds].capacity: expected a whole number from 0 to 10000000, got -3",
             p.s);
    assert_run_fails_cleanly(p.s, "out_negative", msg);
}

static void run_with_decile_eleven_fails_cleanly(void **state)
{
    (void)state;
    pbuf p = write_file("run_decile.json",
                        "{ \"extends\": \"base.json\",\n"
                        "  \"place\": { \"neighbourhoods\": [ { \"name\": \"Bar\", \"deprivation_decile\": 11 } ] } }\n");
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg,
             "%s: place.neighbourhoods[Bar].deprivation_decile: expected a whole number from 1 to 10, got 11", p.s);
    assert_run_fails_cleanly(p.s, "out_decile", msg);
}

static void run_with_broken_json_fails_cleanly(void **state)
{
    (void)state;
    pbuf p = write_file("run_broken.json", "{\n  \"extends\": \"base.json\"\n  \"weeks\": 4\n}\n");
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, "%s:3:3: malformed JSON near '\"weeks\": 4'", p.s);
    assert_run_fails_cleanly(p.s, "out_broken", msg);
}

static void run_with_bad_set_fails_cleanly(void **state)
{
    (void)state;
    pbuf out = tmp_path("out_badset");
    ts_cmd c = ts_run("run '%s' --out '%s' --quiet --set services.crisis_team.capasity=80", ts_path("base.json"),
                      out.s);
    assert_int_equal(c.status, 1);
    assert_string_equal(c.out, "");
    assert_string_equal(c.err, "placesim: --set services.crisis_team.capasity=80: services[crisis_team].capasity: "
                               "unknown key (did you mean \"capacity\"?)\n");
    assert_false(ts_exists(out.s));
    assert_false(has_entry_with_prefix(ts_tmpdir(), "out_badset.tmp-"));
    ts_cmd_free(&c);
}

static void check_accepts_the_example_scenario(void **state)
{
    (void)state;
    ts_cmd c = ts_run("check scenarios/crisis_led.json");
    if (c.status != 0) print_error("stderr: %s\n", c.err);
    assert_int_equal(c.status, 0);
    assert_string_equal(c.err, "");
    const char *ok = "scenarios/crisis_led.json: ok (";
    assert_prefix(c.out, ok);
    assert_int_equal(ts_count_lines(c.out), 1);
    ts_cmd_free(&c);
}

static void check_of_several_files_reports_the_bad_one(void **state)
{
    (void)state;
    pbuf bad = write_file("check_bad.json",
                          "{ \"extends\": \"base.json\", \"population\": { \"one_person_share\": 2 } }\n");
    pbuf good = tmp_path("base.json");
    ts_cmd c = ts_run("check '%s' '%s' scenarios/crisis_led.json", good.s, bad.s);
    char want_err[MSG_MAX], want_out[MSG_MAX];
    snprintf(want_err, sizeof want_err,
             "placesim: %s: population.one_person_share: expected a number from 0 to 1, got 2\n", bad.s);
    snprintf(want_out, sizeof want_out, "%s: ok (Test base; planned budget GBP ", good.s);
    assert_int_equal(c.status, 1);
    assert_string_equal(c.err, want_err);
    /* the good ones before and after the bad one are still checked */
    assert_prefix(c.out, want_out);
    assert_int_equal(ts_count_lines(c.out), 2);
    ts_cmd_free(&c);
}

static void unknown_option_is_a_usage_error(void **state)
{
    (void)state;
    pbuf out = tmp_path("out_usage");
    ts_cmd c = ts_run("run scenarios/crisis_led.json --out '%s' --frobnicate", out.s);
    assert_int_equal(c.status, 2);
    assert_string_equal(c.out, "");
    assert_non_null(strstr(c.err, "unknown option '--frobnicate'"));
    assert_false(ts_exists(out.s));
    ts_cmd_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* bad inputs */
        cmocka_unit_test(misspelt_key_is_refused_with_a_suggestion),
        cmocka_unit_test(misspelt_top_level_key_is_refused_with_a_suggestion),
        cmocka_unit_test(misspelt_script_key_is_refused_with_a_suggestion),
        cmocka_unit_test(unknown_key_far_from_any_has_no_suggestion),
        cmocka_unit_test(negative_capacity_is_refused),
        cmocka_unit_test(decile_above_ten_is_refused),
        cmocka_unit_test(decile_that_is_not_whole_is_refused),
        cmocka_unit_test(broken_json_missing_comma_gives_line_and_column),
        cmocka_unit_test(broken_json_trailing_comma_points_at_the_brace),
        cmocka_unit_test(broken_json_unquoted_key_points_at_the_key),
        cmocka_unit_test(truncated_json_reports_end_of_file),
        cmocka_unit_test(empty_file_is_refused),
        cmocka_unit_test(top_level_that_is_not_an_object_is_refused),
        cmocka_unit_test(string_where_a_number_belongs_is_refused),
        cmocka_unit_test(number_where_a_string_belongs_is_refused),
        cmocka_unit_test(object_where_a_number_belongs_is_refused),
        cmocka_unit_test(place_that_is_neither_object_nor_file_name_is_refused),
        cmocka_unit_test(misspelt_enum_value_suggests_the_right_one),
        cmocka_unit_test(key_given_twice_in_one_object_is_refused),
        cmocka_unit_test(top_level_key_given_twice_is_refused),
        cmocka_unit_test(duplicate_neighbourhood_name_is_refused),
        cmocka_unit_test(list_item_without_a_name_is_refused),
        cmocka_unit_test(list_item_name_with_a_space_is_refused),
        cmocka_unit_test(list_item_name_with_a_dot_is_refused),
        cmocka_unit_test(share_above_one_is_refused),
        cmocka_unit_test(scale_zero_is_refused),
        cmocka_unit_test(scale_that_leaves_no_household_is_refused),
        cmocka_unit_test(capacity_beyond_a_billion_places_is_refused),
        cmocka_unit_test(tenure_shares_not_adding_to_one_are_refused),
        cmocka_unit_test(extends_of_a_missing_file_is_refused),
        cmocka_unit_test(extends_that_is_not_a_string_is_refused),
        cmocka_unit_test(extends_cycle_is_refused),
        cmocka_unit_test(extends_cycle_through_differently_written_paths_is_refused),
        cmocka_unit_test(extends_of_itself_is_refused),
        cmocka_unit_test(remove_of_an_item_that_is_not_inherited_is_refused),
        cmocka_unit_test(remove_when_the_parent_has_no_such_list_is_refused),
        cmocka_unit_test(remove_in_a_file_that_extends_nothing_is_refused),
        cmocka_unit_test(two_services_with_the_same_role_are_refused),
        cmocka_unit_test(support_keys_given_to_the_crisis_pathway_are_refused),
        cmocka_unit_test(shock_after_the_end_of_the_run_is_refused),
        cmocka_unit_test(missing_place_file_is_refused),
        cmocka_unit_test(bad_value_in_a_place_file_names_the_place_file),
        cmocka_unit_test(bad_value_in_a_parent_names_the_parent),
        cmocka_unit_test(households_csv_without_persons_csv_is_refused),
        cmocka_unit_test(missing_scenario_file_is_refused),
        cmocka_unit_test(missing_neighbourhoods_name_the_scenario_file),
        cmocka_unit_test(out_of_range_computed_default_is_explained),
        cmocka_unit_test(set_of_an_unknown_key_suggests_the_right_one),
        cmocka_unit_test(set_of_a_bad_value_is_refused_naming_set),
        cmocka_unit_test(set_of_a_word_for_a_number_is_refused_naming_set),
        cmocka_unit_test(set_of_a_bad_value_is_refused_when_a_later_set_replaces_it),
        cmocka_unit_test(set_on_a_service_that_does_not_exist_suggests_the_closest),
        cmocka_unit_test(set_without_an_equals_sign_is_refused),
        cmocka_unit_test(set_with_an_empty_path_is_refused),
        cmocka_unit_test(set_with_a_malformed_path_is_refused),
        cmocka_unit_test(status_strings_describe_the_errors),
        /* extends */
        cmocka_unit_test(extends_merges_objects_key_by_key),
        cmocka_unit_test(extends_merges_services_by_name),
        cmocka_unit_test(extends_remove_drops_an_inherited_service),
        cmocka_unit_test(extends_appends_a_new_named_item),
        cmocka_unit_test(extends_replaces_values_that_are_not_merged),
        cmocka_unit_test(extends_chain_of_three_files),
        /* place files */
        cmocka_unit_test(place_inline_and_place_file_resolve_identically),
        cmocka_unit_test(place_file_is_relative_to_the_file_that_names_it),
        /* defaults */
        cmocka_unit_test(defaults_appear_in_the_resolved_json),
        cmocka_unit_test(neighbourhood_defaults_follow_the_decile),
        cmocka_unit_test(computed_defaults_use_the_scenarios_population_figures),
        cmocka_unit_test(explicit_neighbourhood_value_is_kept),
        /* --set */
        cmocka_unit_test(set_with_dotted_service_path_changes_capacity),
        cmocka_unit_test(set_with_bracketed_service_path_changes_capacity),
        cmocka_unit_test(both_set_path_forms_resolve_identically),
        cmocka_unit_test(set_takes_string_values),
        cmocka_unit_test(set_changes_a_nested_model_value),
        cmocka_unit_test(set_overrides_the_file_and_later_sets_win),
        cmocka_unit_test(set_reaches_an_interventions_params),
        cmocka_unit_test(set_into_params_is_checked_against_the_script),
        cmocka_unit_test(set_that_makes_objects_in_params_names_the_set),
        cmocka_unit_test(origins_forget_a_subtree_and_keep_the_rest),
        /* round trip */
        cmocka_unit_test(resolved_json_loads_back_to_itself),
        cmocka_unit_test(resolved_json_with_sets_and_extends_loads_back_to_itself),
        cmocka_unit_test(resolved_json_keeps_every_number_exactly),
        /* the program */
        cmocka_unit_test(run_with_misspelt_key_fails_cleanly),
        cmocka_unit_test(run_with_negative_capacity_fails_cleanly),
        cmocka_unit_test(run_with_decile_eleven_fails_cleanly),
        cmocka_unit_test(run_with_broken_json_fails_cleanly),
        cmocka_unit_test(run_with_bad_set_fails_cleanly),
        cmocka_unit_test(check_accepts_the_example_scenario),
        cmocka_unit_test(check_of_several_files_reports_the_bad_one),
        cmocka_unit_test(unknown_option_is_a_usage_error),
    };
    return cmocka_run_group_tests(tests, write_base, NULL);
}
