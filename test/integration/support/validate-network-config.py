"""Parse network-config files with Debian's own cloud-init, as it would on first boot.

cloud-init 22.4 (Debian 12) has no `schema` check for network-config, so this runs the code
that consumes it: the v2 parser (strict, nothing skipped) and the netplan and networkd
renderers. Prints one line per file; exits 1 on the first file cloud-init cannot use.
"""
import sys

import yaml
from cloudinit.net import netplan, networkd
from cloudinit.net.network_state import parse_net_config_data

for path in sys.argv[1:]:
    with open(path) as f:
        config = yaml.safe_load(f)
    try:
        state = parse_net_config_data(config, skip_broken=False)
        netplan.Renderer()._render_content(state)
        networkd.Renderer()._render_content(state)
        interfaces = [i["name"] for i in state.iter_interfaces()]
    except Exception as error:  # cloud-init raises plain exceptions for bad input
        print(f"{path}: INVALID: {type(error).__name__}: {error}")
        sys.exit(1)
    print(f"{path}: valid network-config (interfaces: {', '.join(interfaces)})")
