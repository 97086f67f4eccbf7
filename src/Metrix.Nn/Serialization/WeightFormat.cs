namespace Metrix.Nn;

/// <summary>The on-disk format a <see cref="WeightFile"/> was read from.</summary>
public enum WeightFormat
{
    /// <summary><c>torch.save</c> since PyTorch 1.6: a zip holding <c>&lt;name&gt;/data.pkl</c> and <c>&lt;name&gt;/data/&lt;key&gt;</c> storages.</summary>
    PthZip,

    /// <summary><c>torch.save</c> before 1.6 (or with <c>_use_new_zipfile_serialization=False</c>): pickles followed by raw storages.</summary>
    PthLegacy,

    /// <summary><c>torch.save</c> of PyTorch 0.1: a tar archive of <c>sys_info</c>, <c>pickle</c>, <c>tensors</c> and <c>storages</c>.</summary>
    PthTar,

    /// <summary>safetensors (our checkpoints, Hugging Face files).</summary>
    SafeTensors,
}
