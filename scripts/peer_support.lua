--[[
Peer support groups

What it models: weekly groups run by trained volunteers who have lived
through mental ill health themselves. Each week new members who are
struggling join (up to the places free); a member keeps going for some
weeks, during which their recovery is faster and their risk of crisis
lower; the group also eases loneliness.

Evidence (docs/model.md, Sources): Together Through Tough Times (Mind,
SAMH and Inspire, 2021) on belonging and peer support; effect sizes here are
assumptions, set modestly (recovery x 1.2, crisis x 0.85). Volunteers'
groups cost little: the cost per member covers a room and a coordinator's
time (assumption).

Params:
  new_members_per_week  members joining a week (before population.scale)   25
  weeks                 weeks a member keeps going                           12
  recovery              recovery multiplier while a member                  1.2
  crisis                crisis multiplier while a member                   0.85
  lonely_resolved       share of lonely new members who stop being lonely  0.25
                        (each lonely new member, with this chance)
  cost_per_member       GBP per new member                                   80
  agency                who pays                                         "vcse"
]]
return {
  name = "Peer support groups",
  params = { new_members_per_week = 25, weeks = 12, recovery = 1.2, crisis = 0.85, lonely_resolved = 0.25,
             cost_per_member = 80, agency = "vcse" },
  ranges = { new_members_per_week = { min = 0 }, weeks = { 1, 5200, whole = true }, recovery = { 0, 100 },
             crisis = { 0, 100 }, lonely_resolved = { 0, 1 }, cost_per_member = { min = 0 } },

  week = function(sim, p)
    local n = math.floor(p.new_members_per_week * sim.scale + 0.5)
    local members = sim:persons{ state = "struggling" }:sample(n)
    members:modify{ recovery = p.recovery, crisis = p.crisis, weeks = p.weeks }
    -- each lonely new member stops being lonely with the chance lonely_resolved,
    -- by their own luck (a keyed draw, the same in every scenario)
    members:each(function(member)
      if member.lonely and sim:rand_for(member) < p.lonely_resolved then member:set{ lonely = false } end
    end)
    sim:spend(p.agency, members:count() * p.cost_per_member, "peer support")
  end,
}
