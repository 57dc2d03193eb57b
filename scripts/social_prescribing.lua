--[[
Social prescribing through community hubs

What it models: link workers based at community hubs. Each week, while the
link workers have room, GP practices refer to them adults who are lonely,
and then adults who are struggling; a link worker sees each person for a
few months and connects
them with groups and support in their neighbourhood. While connected, and
for a while after, their chance of reaching crisis is lower, their chance of
becoming unwell lower and recovery faster; some stop being lonely.

Evidence (docs/model.md, Sources): the Rotherham social prescribing pilot
found A&E attendances fell by 17% and non-elective admissions by 7% among
people referred; the crisis multiplier of 0.83 follows the first figure.
The chance loneliness passes (0.3) and the onset and recovery multipliers
are assumptions. The cost per person is an assumption (about six link
worker hours at the community support worker rate of MODEL.md).

Params:
  places              people a link worker team sees at once (before population.scale)  120
  referrals_per_week  most people referred a week (before population.scale)                30
  weeks               mean time someone is connected, weeks                               12
  crisis              crisis multiplier while connected and 26 weeks after              0.83
  onset               onset multiplier while connected and after                         0.9
  recovery            recovery multiplier while connected and after                     1.15
  lonely_resolved     chance a lonely person stops being lonely                          0.3
  cost_per_person     GBP per person taken on                                            180
  agency              who pays                                            "nhs_primary_care"
]]
return {
  name = "Social prescribing through community hubs",
  params = { places = 120, referrals_per_week = 30, weeks = 12, crisis = 0.83, onset = 0.9, recovery = 1.15,
             lonely_resolved = 0.3, cost_per_person = 180, agency = "nhs_primary_care" },
  ranges = { places = { 0, 10000000, whole = true }, referrals_per_week = { min = 0 }, weeks = { 1, 520 },
             crisis = { 0, 100 }, onset = { 0, 100 }, recovery = { 0, 100 }, lonely_resolved = { 0, 1 },
             cost_per_person = { min = 0 } },

  setup = function(sim, p)
    sim:add_service{
      name = "link_workers",
      description = "Social prescribing link workers at community hubs (social_prescribing.lua).",
      agency = p.agency,
      eligible = { states = {} },
      access = { route = "none" },          -- people come by referral from this script
      integrated = true,                     -- it meets loneliness too
      capacity = p.places,
      episode_weeks = p.weeks,
      completion = 0.8,
      effects = { crisis = p.crisis, onset = p.onset, recovery = p.recovery, after_weeks = 26,
                  resolve = { lonely = p.lonely_resolved } },
      cost_per_start = p.cost_per_person,
    }
  end,

  week = function(sim, p)
    -- GPs refer while the link workers have room, so nobody is left waiting
    local lw = sim:service("link_workers")
    local free = lw.capacity - lw.active - lw.waiting
    local n = math.min(math.floor(p.referrals_per_week * sim.scale + 0.5), free)
    if n <= 0 then return end
    -- lonely adults first, then adults who are struggling; :refer skips
    -- anyone already connected or waiting
    local lonely = sim:persons{ lonely = true, in_service = false, waiting_for = false }
    local referred = lonely:sample(n):refer("link_workers")
    if referred < n then
      sim:persons{ state = "struggling", in_service = false, waiting_for = false }
         :sample(n - referred):refer("link_workers")
    end
  end,
}
