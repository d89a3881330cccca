// What the disk-image writers hand to the one place that writes: byte regions at offsets.
// Everything not covered by a region (or a streamed file) stays zero.

export interface DiskRegion {
  offset: number;
  bytes: Uint8Array;
}

/** Regions of a partition, moved to where the partition starts on the disk. */
export function atOffset(regions: DiskRegion[], base: number): DiskRegion[] {
  return regions.map((region) => ({ offset: base + region.offset, bytes: region.bytes }));
}

/** Every date in the image, so the same inputs give the same bytes: 2020-01-01 (FAT's date format). */
export const FIXED_FAT_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
/** The same instant as seconds since 1970, for ext4 and zip. */
export const FIXED_EPOCH_SECONDS = Date.UTC(2020, 0, 1) / 1000;
