namespace Metrix.Training;

/// <summary>
/// One line of <c>log.jsonl</c>: an epoch's losses, learning rate, Recall@K and time. In JSON the names are
/// snake_case (<c>epoch, loss, clean_loss, mixed_loss, lr, recall, map_at_r, seconds, images_per_second</c>);
/// <c>recall</c> maps each K (as a string) to a percentage and is null for epochs that were not evaluated.
/// </summary>
/// <param name="Epoch">The epoch, counted from 0 as the release prints it.</param>
/// <param name="Loss">Mean over the epoch's steps of E = ℓ + w·ℓ̃.</param>
/// <param name="CleanLoss">Mean of the clean loss ℓ.</param>
/// <param name="MixedLoss">Mean of the mixed loss ℓ̃ (null without mixup).</param>
/// <param name="Lr">Base learning rate used during the epoch.</param>
/// <param name="Recall">Recall@K in percent by K, or null when the epoch was not evaluated.</param>
/// <param name="MapAtR">MAP@R in percent, or null when not evaluated.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch (training and evaluation).</param>
/// <param name="ImagesPerSecond">Training throughput.</param>
public sealed record EpochRecord(
    int Epoch,
    double Loss,
    double CleanLoss,
    double? MixedLoss,
    double Lr,
    IReadOnlyDictionary<string, double>? Recall,
    double? MapAtR,
    double Seconds,
    double ImagesPerSecond);
