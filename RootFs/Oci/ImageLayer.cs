namespace UserKernel.RootFs.Oci;

/// <summary>
/// One layer of a container image: where its blob is, what it must hash to, and the digest of
/// its uncompressed tar (the config's diff_id), each checked when present.
/// </summary>
/// <param name="Path">The blob's path in the image's files.</param>
/// <param name="BlobDigest">The blob's digest (an OCI descriptor's, or a docker save blob's name).</param>
/// <param name="Size">The blob's size from its descriptor.</param>
/// <param name="DiffId">The digest of the uncompressed tar, from the config's rootfs.diff_ids.</param>
/// <param name="MediaType">The descriptor's media type, if any; compression is found from the bytes.</param>
public sealed record ImageLayer(string Path, Digest? BlobDigest, long? Size, Digest? DiffId, string? MediaType);
