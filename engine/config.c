/* config: derived values of a compiled scenario. See config.h. */
#include "config.h"

#include <math.h>

int config_capacity(const ps_config *cfg, int service)
{
    return (int)llround(cfg->services[service].capacity * cfg->population.scale);
}

double config_fixed_cost(const ps_config *cfg, int service)
{
    return cfg->services[service].cost_fixed_per_week * cfg->population.scale;
}
