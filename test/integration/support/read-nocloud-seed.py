#!/usr/bin/python3
"""Reads a NoCloud seed the way cloud-init's NoCloud data source does at boot, and prints what it
found as JSON. Argument: a cloud directory whose seed/nocloud/ holds the files taken from a seed
image (cloud-init reads a mounted cidata volume and its seed directory with the same function,
util.pathprefix2dict, then merges them alike). Blkid scanning is off (fs_label: None): the test
checks the volume's label itself, and must not pick up the machine's own disks."""
import json
import sys

from cloudinit import distros, helpers
from cloudinit.sources.DataSourceNoCloud import DataSourceNoCloud

cloud_dir = sys.argv[1]
paths = helpers.Paths({"cloud_dir": cloud_dir, "run_dir": cloud_dir + "/run"})
distro = distros.fetch("debian")("debian", {}, paths)
source = DataSourceNoCloud({"datasource": {"NoCloud": {"fs_label": None}}}, distro, paths)
if not source.get_data():
    sys.exit("NoCloud found no seed")
print(json.dumps({
    "seed": source.seed,
    "instanceId": source.get_instance_id(),
    "metadata": source.metadata,
    "userData": source.userdata_raw.decode() if isinstance(source.userdata_raw, bytes) else source.userdata_raw,
    "networkConfig": source.network_config,
}))
