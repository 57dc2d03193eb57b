/* config: derived values of a compiled scenario. See config.h. */
#include "config.h"

#include <math.h>
#include <string.h>

int config_clamp_capacity(double places)
{
    if (!(places > 0)) return 0;
    if (places >= CONFIG_MAX_CAPACITY) return CONFIG_MAX_CAPACITY;
    return (int)floor(places + 0.5);
}

int config_capacity(const ps_config *cfg, int service)
{
    return config_clamp_capacity(cfg->services[service].capacity * cfg->population.scale);
}

double config_fixed_cost(const ps_config *cfg, int service)
{
    return cfg->services[service].cost_fixed_per_week * cfg->population.scale;
}

double config_asset_cost(const ps_config *cfg, int k)
{
    const cfg_neighbourhood *nb = &cfg->place.neighbourhoods[k];
    return (nb->hubs * cfg->model.social_capital.hub_cost_per_week +
            nb->vcs_orgs * cfg->model.social_capital.vcs_grant_per_week) *
           cfg->population.scale;
}

double config_planned_budget(const ps_config *cfg)
{
    double b = 0;
    /* Costs per start depend on demand (A&E is paid only so) and are not planned. */
    for (int s = 0; s < cfg->n_services; s++) {
        const cfg_service *sv = &cfg->services[s];
        int units = 1;
        if (sv->per_neighbourhood)
            units = sv->n_neighbourhoods ? sv->n_neighbourhoods : cfg->place.n_neighbourhoods;
        b += config_fixed_cost(cfg, s) + (double)config_capacity(cfg, s) * units * sv->cost_per_week;
    }
    for (int k = 0; k < cfg->place.n_neighbourhoods; k++) b += config_asset_cost(cfg, k);
    return b;
}

int config_neighbourhood_index(const ps_config *cfg, const char *name)
{
    for (int k = 0; k < cfg->place.n_neighbourhoods; k++)
        if (strcmp(cfg->place.neighbourhoods[k].name, name) == 0) return k;
    return -1;
}

int config_service_index(const ps_config *cfg, const char *name)
{
    for (int s = 0; s < cfg->n_services; s++)
        if (strcmp(cfg->services[s].name, name) == 0) return s;
    return -1;
}
