// Which data partition the SD card image gets, from the host's storage setting: the overlay's
// /etc/fstab mounts storage.device, so the partition in the image must be what that names.

import { UserError } from "../errors.js";
import type { Host } from "../spec/types.js";
import type { DataPartition } from "./sd-layout.js";

/** The card's second partition as Linux names it on a Pi. */
const CARD_DATA_DEVICE = "/dev/mmcblk0p2";
const DEFAULT_LABEL = "etcd-data";

export type DataPartitionChoice = { partition: DataPartition; note: string } | { partition: undefined; note: string };

function uuidBytes(text: string): Uint8Array {
  return Buffer.from(text.replace(/-/g, ""), "hex");
}

export function chooseDataPartition(host: Host): DataPartitionChoice {
  const storage = host.storage;
  const field = `hosts[${host.name}].storage`;
  if (storage === undefined || "tmpfs" in storage) return { partition: undefined, note: "no data partition (storage: tmpfs: etcd's data lives in RAM)" };
  const device = storage.device;
  const onCard = device.startsWith("LABEL=") || device.startsWith("UUID=") || device === CARD_DATA_DEVICE;
  if (!onCard && device.startsWith("/dev/")) return { partition: undefined, note: `no data partition: etcd's data goes to ${device}, not to the card` };
  if (!onCard)
    throw new UserError(
      `${field}.device ${device}: the image cannot make a partition with that name (an MBR card has no PARTLABEL, and its PARTUUID is the image's): write LABEL=${DEFAULT_LABEL}, UUID=<an RFC 4122 UUID> or ${CARD_DATA_DEVICE}`,
    );
  if (storage.fsType !== "ext4") throw new UserError(`${field}.fsType ${storage.fsType}: the image's data partition is ext4: write fsType: ext4, or prepare the partition yourself`);
  if (device.startsWith("LABEL=")) return { partition: { label: device.slice("LABEL=".length) }, note: `data partition ext4 ${device}` };
  if (device === CARD_DATA_DEVICE) return { partition: { label: DEFAULT_LABEL }, note: `data partition ext4 ${device} (LABEL=${DEFAULT_LABEL})` };
  const uuid = device.slice("UUID=".length);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid))
    throw new UserError(`${field}.device ${device}: an ext4 UUID has the form 01234567-89ab-cdef-0123-456789abcdef: write that, or LABEL=${DEFAULT_LABEL}`);
  return { partition: { label: DEFAULT_LABEL, uuid: uuidBytes(uuid) }, note: `data partition ext4 ${device} (LABEL=${DEFAULT_LABEL})` };
}
