namespace OnnxDiffusion.Nodes;

/// <summary>
/// ComfyUI's spellings, kept exactly (comfyui-spec.md §1, §2, §7): data-type names, node <c>class_type</c>s,
/// input names, hidden-input kinds, combo options and validation error <c>type</c> codes. Everything that must
/// match ComfyUI byte-for-byte is a constant here and nowhere else.
/// </summary>
public static class ComfyNames
{
    /// <summary><c>MAX_RESOLUTION</c> in nodes.py.</summary>
    public const int MaxResolution = 16384;

    /// <summary>Data-type names as they appear in <c>/object_info</c> and in type checks.</summary>
    public static class Types
    {
        public const string Model = "MODEL";
        public const string Clip = "CLIP";
        public const string Vae = "VAE";
        public const string Conditioning = "CONDITIONING";
        public const string Latent = "LATENT";
        public const string Image = "IMAGE";
        public const string Mask = "MASK";
        public const string Int = "INT";
        public const string Float = "FLOAT";
        public const string String = "STRING";
        public const string Boolean = "BOOLEAN";
        public const string Combo = "COMBO";
        public const string ControlNet = "CONTROL_NET";
        public const string ClipVision = "CLIP_VISION";
        public const string Any = "*";

        /// <summary>AnimaFastTrain's trained context (tokens + metadata); type name of this implementation.</summary>
        public const string ReferenceContext = "ANIMA_REFERENCE_CONTEXT";
    }

    /// <summary>Node <c>class_type</c> names.</summary>
    public static class Nodes
    {
        public const string EmptyLatentImage = "EmptyLatentImage";
        public const string LatentUpscale = "LatentUpscale";
        public const string LatentUpscaleBy = "LatentUpscaleBy";
        public const string SetLatentNoiseMask = "SetLatentNoiseMask";
        public const string ConditioningCombine = "ConditioningCombine";
        public const string ConditioningSetArea = "ConditioningSetArea";
        public const string ConditioningZeroOut = "ConditioningZeroOut";
        public const string LoadImage = "LoadImage";
        public const string LoadImageMask = "LoadImageMask";
        public const string SaveImage = "SaveImage";
        public const string PreviewImage = "PreviewImage";
        public const string ImageScale = "ImageScale";
        public const string ImageScaleBy = "ImageScaleBy";
        public const string ImageCrop = "ImageCrop";
        public const string SaveLatent = "SaveLatent";
        public const string LoadLatent = "LoadLatent";
        public const string SaveLatentNumpy = "SaveLatentNumpy";
        public const string LoadLatentNumpy = "LoadLatentNumpy";
        public const string CheckpointLoaderSimple = "CheckpointLoaderSimple";
        public const string VaeLoader = "VAELoader";
        public const string ClipSetLastLayer = "CLIPSetLastLayer";
        public const string ClipTextEncode = "CLIPTextEncode";
        public const string KSampler = "KSampler";
        public const string KSamplerAdvanced = "KSamplerAdvanced";
        public const string VaeDecode = "VAEDecode";
        public const string VaeEncode = "VAEEncode";
        public const string VaeEncodeForInpaint = "VAEEncodeForInpaint";
        public const string CheckpointSave = "CheckpointSave";
        public const string SaveLatentRaiiaf = "SaveLatentRaiiaf";
        public const string LoadLatentRaiiaf = "LoadLatentRaiiaf";
        public const string MaskedReferenceContext = "AnimaFastTrainMaskedReferenceContext";
        public const string PatchModel = "AnimaFastTrainPatchModel";
        public const string SaveReferenceContext = "AnimaFastTrainSaveReferenceContext";
        public const string LoadReferenceContext = "AnimaFastTrainLoadReferenceContext";
    }

    /// <summary>Input and output names.</summary>
    public static class Inputs
    {
        public const string Width = "width";
        public const string Height = "height";
        public const string BatchSize = "batch_size";
        public const string Samples = "samples";
        public const string UpscaleMethod = "upscale_method";
        public const string Crop = "crop";
        public const string ScaleBy = "scale_by";
        public const string Mask = "mask";
        public const string Conditioning = "conditioning";
        public const string Conditioning1 = "conditioning_1";
        public const string Conditioning2 = "conditioning_2";
        public const string X = "x";
        public const string Y = "y";
        public const string Strength = "strength";
        public const string Image = "image";
        public const string Images = "images";
        public const string Channel = "channel";
        public const string FilenamePrefix = "filename_prefix";
        public const string Latent = "latent";
        public const string Filename = "filename";
        public const string CkptName = "ckpt_name";
        public const string VaeName = "vae_name";
        public const string Clip = "clip";
        public const string Model = "model";
        public const string Vae = "vae";
        public const string StopAtClipLayer = "stop_at_clip_layer";
        public const string Text = "text";
        public const string Seed = "seed";
        public const string NoiseSeed = "noise_seed";
        public const string Steps = "steps";
        public const string Cfg = "cfg";
        public const string SamplerName = "sampler_name";
        public const string Scheduler = "scheduler";
        public const string Positive = "positive";
        public const string Negative = "negative";
        public const string LatentImage = "latent_image";
        public const string Denoise = "denoise";
        public const string AddNoise = "add_noise";
        public const string StartAtStep = "start_at_step";
        public const string EndAtStep = "end_at_step";
        public const string ReturnWithLeftoverNoise = "return_with_leftover_noise";
        public const string Pixels = "pixels";
        public const string GrowMaskBy = "grow_mask_by";
        public const string ReferenceImage = "reference_image";
        public const string TrainingMask = "training_mask";
        public const string TrainingImageSize = "training_image_size";
        public const string NumTokens = "num_tokens";
        public const string InitStd = "init_std";
        public const string LearningRate = "learning_rate";
        public const string TrainingPrompt = "training_prompt";
        public const string Context = "context";
        public const string Info = "info";
        public const string ReferenceContextScale = "reference_context_scale";
        public const string ContextFile = "context_file";

        /// <summary>SaveLatentRaiiaf (ours): <c>compression</c>, <c>tolerance</c>, <c>dtype</c>.</summary>
        public const string Compression = "compression";
        public const string Tolerance = "tolerance";
        public const string DType = "dtype";
    }

    /// <summary>Hidden-input kinds (the value side of <c>"hidden": {"prompt": "PROMPT"}</c>).</summary>
    public static class Hidden
    {
        public const string Prompt = "PROMPT";
        public const string ExtraPngInfo = "EXTRA_PNGINFO";
        public const string UniqueId = "UNIQUE_ID";
        public const string PromptName = "prompt";
        public const string ExtraPngInfoName = "extra_pnginfo";
        public const string UniqueIdName = "unique_id";
    }

    /// <summary>Combo option values.</summary>
    public static class Options
    {
        public const string NearestExact = "nearest-exact";
        public const string Bilinear = "bilinear";
        public const string Area = "area";
        public const string Bicubic = "bicubic";
        public const string Lanczos = "lanczos";
        public const string Bislerp = "bislerp";
        public const string Disabled = "disabled";
        public const string Center = "center";
        public const string Alpha = "alpha";
        public const string Red = "red";
        public const string Green = "green";
        public const string Blue = "blue";
        public const string Enable = "enable";
        public const string Disable = "disable";

        /// <summary><c>add_noise</c> / <c>return_with_leftover_noise</c> of KSamplerAdvanced.</summary>
        public static IReadOnlyList<string> EnableDisable { get; } = [Enable, Disable];

        /// <summary><c>return_with_leftover_noise</c> order (disable first).</summary>
        public static IReadOnlyList<string> DisableEnable { get; } = [Disable, Enable];

        /// <summary><c>upscale_methods</c> of LatentUpscale / LatentUpscaleBy, in ComfyUI's order.</summary>
        public static IReadOnlyList<string> LatentUpscaleMethods { get; } =
            [NearestExact, Bilinear, Area, Bicubic, Bislerp];

        /// <summary><c>upscale_methods</c> of ImageScale / ImageScaleBy, in ComfyUI's order.</summary>
        public static IReadOnlyList<string> ImageUpscaleMethods { get; } =
            [NearestExact, Bilinear, Area, Bicubic, Lanczos];

        /// <summary><c>crop_methods</c>.</summary>
        public static IReadOnlyList<string> CropMethods { get; } = [Disabled, Center];

        public const string Lossless = "lossless";
        public const string Lossy = "lossy";
        public const string Uncompressed = "none";
        public const string Float32 = "float32";
        public const string Float16 = "float16";

        /// <summary>SaveLatentRaiiaf (ours) <c>compression</c>: zfp reversible, zfp fixed accuracy, raw.</summary>
        public static IReadOnlyList<string> RaiiafCompressions { get; } = [Lossless, Lossy, Uncompressed];

        /// <summary>SaveLatentRaiiaf (ours) <c>dtype</c>: storage precision.</summary>
        public static IReadOnlyList<string> RaiiafDTypes { get; } = [Float32, Float16];

        /// <summary>LoadImageMask <c>_color_channels</c>.</summary>
        public static IReadOnlyList<string> ColorChannels { get; } = [Alpha, Red, Green, Blue];
    }

    /// <summary>Folder-type names used in UI results and annotated file names (<c>name [output]</c>).</summary>
    public static class FolderTypes
    {
        public const string Output = "output";
        public const string Input = "input";
        public const string Temp = "temp";
    }

    /// <summary>
    /// Validation error <c>type</c> codes (execution.py <c>validate_prompt</c> / <c>validate_inputs</c>).
    /// </summary>
    public static class Errors
    {
        public const string InvalidPrompt = "invalid_prompt";
        public const string PromptNoOutputs = "prompt_no_outputs";
        public const string PromptOutputsFailedValidation = "prompt_outputs_failed_validation";
        public const string NoPrompt = "no_prompt";
        public const string RequiredInputMissing = "required_input_missing";
        public const string BadLinkedInput = "bad_linked_input";
        public const string ReturnTypeMismatch = "return_type_mismatch";
        public const string InvalidInputType = "invalid_input_type";
        public const string ValueSmallerThanMin = "value_smaller_than_min";
        public const string ValueBiggerThanMax = "value_bigger_than_max";
        public const string ValueNotInList = "value_not_in_list";
        public const string CustomValidationFailed = "custom_validation_failed";
        public const string ExceptionDuringValidation = "exception_during_validation";
        public const string ExceptionDuringInnerValidation = "exception_during_inner_validation";
        public const string DependencyCycle = "dependency_cycle";
    }
}
