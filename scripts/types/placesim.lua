---@meta placesim
--[[
Type annotations of the placesim Lua API, for the Lua language server
(LuaLS, "sumneko"): completion, hover help and type checks in an editor.

Nothing loads this file when a scenario runs; it only describes what the
engine (engine/lua_api.h) gives a script. The reference is docs/lua-api.md,
which uses the same names: Sim, Selection, Person, Household, Service,
Neighbourhood, PersonFilter, HouseholdFilter, PersonSet, HouseholdSet,
ModifySpec, ServiceSpec, ParamRange and Intervention.

To use it, put a .luarc.json at the top of the repository (see
docs/lua-api.md, "Editor support"):

    {
      "runtime": { "version": "Lua 5.4" },
      "workspace": { "library": ["scripts/types"] }
    }

and annotate the table a script returns, or its hooks one by one:

    ---@type Intervention
    local intervention = {
      params = { places = 40 },
      week = function(sim, p) ... end,   -- sim is a Sim here
    }
    return intervention

    -- or, on a hook:  ---@param sim Sim
]]

-- ------------------------------------------------------------------ names

---A wellbeing state of an adult (children are never in a selection).
---@alias WellbeingState
---| "well"
---| "struggling"
---| "crisis"
---| "recovering"

---@alias Tenure
---| "owned_outright"
---| "mortgage"
---| "private_rent"
---| "social_rent"

---@alias Sex "female"|"male"

---A need a support service can take or resolve.
---@alias Need
---| "debt"              # the household's problem debt
---| "housing_insecure"  # the household's housing insecurity
---| "unemployed"
---| "lonely"

---@alias ServiceRole
---| "crisis_team"
---| "emergency"
---| "inpatient"
---| "support"

---How people reach a support service.
---@alias AccessRoute
---| "self"      # eligible people come forward at uptake x (0.5 + social capital) a week
---| "referral"  # they go to the gatekeeper service `via` first
---| "outreach"  # the service finds find_rate of the eligible a week while it has room
---| "none"      # only by referral (:refer) or hand-off from another service

---The events a script can listen to in `on`.
---@alias EventName
---| "crisis"         # a person enters CRISIS (passes a Person)
---| "onset"          # WELL -> STRUGGLING (passes a Person)
---| "recovery"       # STRUGGLING or RECOVERING -> WELL: in the wellbeing step, or on completing an episode (recover_on_completion), right after its service_end (passes a Person)
---| "job_loss"       # a person loses their job (passes a Person)
---| "debt"           # a household falls into problem debt (passes a Household)
---| "housing"        # a renting household becomes housing insecure (passes a Household)
---| "service_start"  # a person starts an episode of a support service (passes a Person and a Service)
---| "service_end"    # an episode ends (passes a Person, a Service and whether it was completed)

---A whole number n (the range {n, n}; a fractional one is an error), or
---{min, max}, {min = a}, {max = b}: a bound left out stays open. A
---fractional bound is rounded inward ({30.5, 40} is 31 to 40); math.huge
---is open. An empty table, another key, or a bound that is not a number
---is an error.
---@alias Range integer|number[]|{ min: number?, max: number? }

---A service by name or by its handle.
---@alias ServiceRef string|Service

---In a filter: true = in (or waiting for) any support service, false = in
---none, a name or handle = that support service (any other service, or an
---unknown name, is an error naming the support services).
---@alias ServiceTest boolean|string|Service

---A script's params as the hooks receive them: the script's defaults with
---the scenario's values over them. Declare your own class for completion,
---e.g. `---@class MyParams` with `---@field places integer`.
---@alias Params table<string, any>

-- ------------------------------------------------------------------ filters

---What `sim:persons{...}` selects: adults (16 and over) who pass every key
---given. An empty table selects every adult. A list of names means "any of
---these", so an empty list (`state = {}`) selects nobody.
---@class PersonFilter
---@field state? WellbeingState|WellbeingState[] one state or a list (any of them; {} selects nobody); default: all four
---@field age? Range years, e.g. {18, 64} or {min = 65}
---@field neighbourhood? string|string[] neighbourhood names (any of them; {} selects nobody)
---@field deprivation_decile? Range decile of the person's neighbourhood, 1 = most deprived
---@field sex? Sex
---@field employed? boolean true: in work; false: not in work (unemployed, inactive or retired)
---@field unemployed? boolean true: looking for work; false: not unemployed
---@field lonely? boolean
---@field discriminated? boolean
---@field no_qualifications? boolean
---@field alone? boolean lives alone
---@field debt? boolean the household is in problem debt
---@field housing_insecure? boolean the household is housing insecure
---@field low_income? boolean the household is on a low income
---@field renter? boolean the household rents
---@field in_service? ServiceTest in an episode of a support service
---@field waiting_for? ServiceTest on a support service's waiting list

---What `sim:households{...}` selects: households that pass every key given.
---An empty table selects every household; an empty list selects nobody.
---@class HouseholdFilter
---@field neighbourhood? string|string[] neighbourhood names (any of them; {} selects nobody)
---@field deprivation_decile? Range
---@field debt? boolean
---@field housing_insecure? boolean
---@field low_income? boolean
---@field renter? boolean
---@field tenure? Tenure|Tenure[] one tenure or a list (any of them; {} selects nobody)
---@field size? Range people in the household, children included
---@field workless? boolean in the labour force with nobody in work

-- ------------------------------------------------------------------ set and modify

---`:set{...}` on a selection of persons. debt, housing_insecure and
---low_income change the person's household.
---@class PersonSet
---@field lonely? boolean
---@field employed? boolean true moves the unemployed into work; false puts the employed out of work; others are unchanged
---@field debt? boolean
---@field housing_insecure? boolean setting true leaves owners unchanged (only renters can be insecure)
---@field low_income? boolean the base low income; a workless household stays low income

---`:set{...}` on a selection of households.
---@class HouseholdSet
---@field debt? boolean
---@field housing_insecure? boolean setting true leaves owners unchanged
---@field low_income? boolean the base low income; a workless household stays low income

---`:modify{...}`: temporary hazard multipliers (0 to 100, default 1).
---@class ModifySpec
---@field onset? number multiplier on WELL -> STRUGGLING and on relapse (RECOVERING -> STRUGGLING)
---@field recovery? number multiplier on STRUGGLING -> WELL (RECOVERING -> WELL keeps its own rate)
---@field crisis? number multiplier on STRUGGLING -> CRISIS
---@field weeks integer required, 1 to 5200: the number of weekly wellbeing steps it acts on, from the next one (from setup or week: this week's; from an event hook or finish: next week's)

-- ------------------------------------------------------------------ selections

---A set of persons or of households (ids in ascending order), made by
---sim:persons, sim:households or a selection method. A selection is a
---snapshot of who passed the filter; fields read through a selection of one
---are live.
---@class Selection
---@operator len: integer
local Selection = {}

---How many members.
---@return integer
function Selection:count() end

---The n members with the smallest keyed draws (keyed by intervention,
---week, the number of this sample call in the week, and member id), in id
---order. n must be a whole number >= 0; n >= count gives all of them.
---Any number of calls in a week pick independently.
---@param n integer
---@return Selection
function Selection:sample(n) end

---Sets flags of the members (or of their households). Returns how many
---members changed. Fires no events.
---@param changes PersonSet|HouseholdSet
---@return integer changed
function Selection:set(changes) end

---Puts each member who is eligible for the support service, lives in a
---neighbourhood it serves, and is not already waiting for or in an episode
---of any support service, on its waiting list (a per_neighbourhood
---service's: their own neighbourhood's). Persons only. Returns how many
---joined; the others are not referred. Referrals count in services.csv in
---the week they are made.
---@param service ServiceRef
---@return integer referred
function Selection:refer(service) end

---Adds temporary hazard multipliers to each member (each adult of a
---household). Returns how many persons got them.
---@param spec ModifySpec
---@return integer persons
function Selection:modify(spec) end

---Calls fn with a selection of one (a Person or Household) for each member,
---in id order: the per-agent escape hatch, about a hundred times slower than
---a selection call.
---@param fn fun(member: Person|Household)
function Selection:each(fn) end

---The persons of the selection: itself if it holds persons, the adults of
---its households if it holds households. Counts against the instruction
---budget, at one instruction per 16 members.
---@return Selection
function Selection:persons() end

---The households of the selection, each once. Counts against the
---instruction budget, at one instruction per 16 members.
---@return Selection
function Selection:households() end

---A selection of one person: the person of an event hook, or a member in
---:each. Its fields are read when asked, so they are always current.
---@class Person: Selection
---@field id integer the person's index in the population (0-based; the same in every scenario on the same place and seed)
---@field age integer
---@field sex Sex
---@field state WellbeingState
---@field employed boolean
---@field unemployed boolean
---@field lonely boolean
---@field discriminated boolean
---@field no_qualifications boolean
---@field alone boolean
---@field household integer the household's id
---@field in_service string? name of the support service they are in an episode of, or nil
---@field waiting_for string? name of the support service they wait for, or nil
---@field neighbourhood string
---@field deprivation_decile integer
---@field debt boolean the household's
---@field housing_insecure boolean the household's
---@field low_income boolean the household's
---@field renter boolean the household's

---A selection of one household: the household of a debt or housing event,
---or a member in :each over households.
---@class Household: Selection
---@field id integer the household's index (0-based)
---@field size integer people, children included
---@field tenure Tenure
---@field workless boolean
---@field neighbourhood string
---@field deprivation_decile integer
---@field debt boolean
---@field housing_insecure boolean
---@field low_income boolean
---@field renter boolean

-- ------------------------------------------------------------------ handles

---A service of the scenario, or one a script added. Only capacity can be set.
---tostring gives `service "name"`.
---@class Service
---@field name string
---@field role ServiceRole
---@field agency string
---@field capacity integer places now, after population.scale (per team if per_neighbourhood), before shocks and volunteers; settable, 0 to 1e9, rounded
---@field waiting integer people on its waiting lists (0 for the crisis pathway)
---@field active integer people in an episode (for the crisis pathway: in its care)
---@field referrals integer people who joined its list so far this week, scripts' referrals included (in a week hook: those made by earlier hooks this week); 0 for the crisis pathway

---A neighbourhood of the place. Only social_capital can be set. tostring
---gives `neighbourhood "name"`.
---@class Neighbourhood
---@field name string
---@field index integer 1-based, in the order of the place file
---@field deprivation_decile integer
---@field households integer after population.scale
---@field adults integer adults at the latest wellbeing step
---@field social_capital number 0 to 1; settable
---@field hubs integer
---@field vcs_orgs integer

-- ------------------------------------------------------------------ add_service

---@class ServiceEligible
---@field states? WellbeingState[] default {"struggling"}; {} takes any adult
---@field needs? Need[] at least one of these (default {}: none required)
---@field min_age? integer default 16
---@field max_age? integer default 120

---@class ServiceAccess
---@field route? AccessRoute default "self"
---@field via? string the gatekeeper support service of a referral route
---@field uptake? number weekly chance an eligible person seeks help (self, referral), default 0.01
---@field referral_dropout? number referral route: share lost at the gatekeeper, default 0.1
---@field find_rate? number outreach: weekly share of the eligible found, default 0.05

---@class ServiceResolve
---@field debt? number chance a completed episode resolves the household's debt (default 0)
---@field housing_insecure? number
---@field unemployed? number
---@field lonely? number

---@class ServiceEffects
---@field onset? number multiplier while active and after_weeks after (default 1)
---@field recovery? number default 1
---@field crisis? number default 1
---@field after_weeks? integer weeks the multipliers last after a completed episode (default 0)
---@field recover_on_completion? number chance a completer becomes WELL (default 0)
---@field resolve? ServiceResolve

---The keys of a scenario's service (docs/scenarios.md, services[]); a
---script may add support services only.
---@class ServiceSpec
---@field name string required, unique, letters, digits, _ and -
---@field capacity integer required: concurrent cases before population.scale (the engine multiplies)
---@field description? string
---@field agency? string who pays (a cost_<agency> column); default "nhs"
---@field role? "support" the only role a script may add
---@field eligible? ServiceEligible
---@field access? ServiceAccess
---@field wait_dropout? number weekly chance of leaving the list unseen, default 0.02
---@field episode_weeks? number mean episode length, default 8
---@field completion? number share of episodes completed, default 0.6
---@field effects? ServiceEffects
---@field cost_per_start? number GBP per episode started
---@field cost_per_week? number GBP per active case a week
---@field cost_fixed_per_week? number GBP a week (multiplied by population.scale)
---@field neighbourhoods? string[] neighbourhoods served (default: all)
---@field per_neighbourhood? boolean a team with the capacity in each neighbourhood served
---@field integrated? boolean one episode meets all needs (no onward referrals)
---@field handoff_dropout? number share lost at each onward referral, default 0.3
---@field volunteer_capacity? number cases per 100 volunteers living where it serves

-- ------------------------------------------------------------------ sim

---The simulation as a script sees it: the first argument of every hook.
---@class Sim
---@field week integer the current week, 0 = first reported week
---@field weeks integer weeks reported in the run
---@field replicate integer the replicate, from 0
---@field scale number population.scale
local Sim = {}

---Adults who pass the filter; with no filter (or `{}`), every adult.
---@param filter? PersonFilter
---@return Selection
function Sim:persons(filter) end

---Households that pass the filter; with no filter (or `{}`), every household.
---@param filter? HouseholdFilter
---@return Selection
function Sim:households(filter) end

---The handle of a service, by name (an unknown name is an error with a
---did-you-mean).
---@param name ServiceRef
---@return Service
function Sim:service(name) end

---Adds a support service from the keys of a scenario service. Errors if the
---keys are wrong, the name is taken or limits.added_services are used up.
---@param spec ServiceSpec
---@return Service
function Sim:add_service(spec) end

---The place's neighbourhoods, in place-file order (a new table each call).
---@return Neighbourhood[]
function Sim:neighbourhoods() end

---Spends amount GBP for agency this week: added to cost_total and
---cost_<agency> in timeseries.csv and to interventions.<name>.<label> in
---summary.json. Each new agency and each new label takes one of
---limits.columns (16 per replicate).
---@param agency string letters, digits, _ and -
---@param amount number GBP, finite and 0 or more (a negative, NaN or infinite amount is an error)
---@param label? string default "spend"
function Sim:spend(agency, amount, label) end

---Sets this week's value of a custom column of timeseries.csv (the last
---value given in a week wins; weeks with none are empty).
---@param column string letters, digits, _ and -; not replicate, week, a column of the engine's or any cost_ name (an error)
---@param value number
function Sim:record(column, value) end

---Writes its arguments, tab-separated, as a line of log.txt (as print does;
---a script that replaces the global print does not change sim:log).
---@param ... any
function Sim:log(...) end

---The next number of the script's own stream, uniform in [0, 1). One stream
---per intervention and replicate (math.random shares it), seeded by the seed,
---the replicate and the intervention's name, drawn in call order: not keyed
---to people, so use Selection:sample or Sim:rand_for for decisions about
---people.
---@return number
function Sim:rand() end

---A whole number from 1 to n from the script's own stream.
---@param n integer 1 or more
---@return integer
function Sim:rand_int(n) end

---The luck of a person or household (a selection of one) for a decision
---this week, uniform in [0, 1): a keyed draw of the seed, replicate, week,
---the intervention's name, the label and the entity only, so every scenario
---that asks it of the same entity in the same week gets the same number,
---whatever else has drawn (common random numbers). The same arguments in the
---same week give the same number; use another label for another decision
---about the same entity in the same week.
---@param entity Person|Household
---@param label? string default ""
---@return number
function Sim:rand_for(entity, label) end

-- ------------------------------------------------------------------ the script

---The event hooks of a script: each gets (sim, params, entity[, service[, completed]]).
---@class InterventionEvents
---@field crisis? fun(sim: Sim, p: Params, person: Person)
---@field onset? fun(sim: Sim, p: Params, person: Person)
---@field recovery? fun(sim: Sim, p: Params, person: Person)
---@field job_loss? fun(sim: Sim, p: Params, person: Person)
---@field debt? fun(sim: Sim, p: Params, household: Household)
---@field housing? fun(sim: Sim, p: Params, household: Household)
---@field service_start? fun(sim: Sim, p: Params, person: Person, service: Service)
---@field service_end? fun(sim: Sim, p: Params, person: Person, service: Service, completed: boolean)

---The range of a number param: {min, max}, {min = a}, {max = b} or
---{min = a, max = b}; whole = true if it must be a whole number.
---@class ParamRange
---@field [1]? number min
---@field [2]? number max
---@field min? number
---@field max? number
---@field whole? boolean

---The table a script returns. Every field is optional; no other field is
---allowed.
---@class Intervention
---@field name? string a title for people
---@field description? string
---@field params? table<string, number|string|boolean|table> the defaults; a scenario may override each, with a value of the same type
---@field ranges? table<string, ParamRange> what number params may be: the default and the scenario's value must be in range, checked when the scenario loads
---@field setup? fun(sim: Sim, p: Params) once, in the start week, before week
---@field week? fun(sim: Sim, p: Params) every active week, after shocks and before determinants
---@field finish? fun(sim: Sim, p: Params) once, in the last active week (end_week - 1, or the run's last week when end_week is 0 or after the run), after its social capital step and before it is recorded
---@field on? InterventionEvents

return {}
