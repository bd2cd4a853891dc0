namespace OnnxDiffusion.Runtime.Sampling;

/// <summary>
/// ComfyUI's sampler and scheduler strings (<c>comfy/samplers.py</c> <c>SAMPLER_NAMES</c> and
/// <c>SCHEDULER_HANDLERS</c>), spelled exactly. This file is the one place these contract strings live.
/// </summary>
public static class SamplerNames
{
    /// <summary>Euler (Karras et al. 2022, Algorithm 2 without churn).</summary>
    public const string Euler = "euler";

    /// <summary>Euler with ancestral noise.</summary>
    public const string EulerAncestral = "euler_ancestral";

    /// <summary>Heun's second-order method (Karras et al. 2022, Algorithm 2).</summary>
    public const string Heun = "heun";

    /// <summary>DPM-Solver-2 style midpoint method.</summary>
    public const string Dpm2 = "dpm_2";

    /// <summary>DPM-Solver-2 style midpoint method with ancestral noise.</summary>
    public const string Dpm2Ancestral = "dpm_2_ancestral";

    /// <summary>Linear multistep, order 4.</summary>
    public const string Lms = "lms";

    /// <summary>DPM-Solver++(2M).</summary>
    public const string DpmPlusPlus2M = "dpmpp_2m";

    /// <summary>DPM-Solver++ stochastic (SDE), two model calls per step.</summary>
    public const string DpmPlusPlusSde = "dpmpp_sde";

    /// <summary>DPM-Solver++(2M) SDE, midpoint variant.</summary>
    public const string DpmPlusPlus2MSde = "dpmpp_2m_sde";

    /// <summary>Latent consistency model sampler.</summary>
    public const string Lcm = "lcm";

    /// <summary>ComfyUI's "ddim": the Euler sampler with inpaint noise from seed + 1.</summary>
    public const string Ddim = "ddim";

    /// <summary>UniPC multistep, B(h) = h variant (bh1).</summary>
    public const string UniPc = "uni_pc";

    /// <summary>UniPC multistep, B(h) = e^h − 1 variant (bh2).</summary>
    public const string UniPcBh2 = "uni_pc_bh2";

    /// <summary>Scheduler "normal": uniform in timestep between the model's extremes.</summary>
    public const string SchedulerNormal = "normal";

    /// <summary>Scheduler "karras" (Karras et al. 2022, eq. 5, ρ = 7).</summary>
    public const string SchedulerKarras = "karras";

    /// <summary>Scheduler "exponential": uniform in log σ.</summary>
    public const string SchedulerExponential = "exponential";

    /// <summary>Scheduler "sgm_uniform": like normal with the t = 0 endpoint dropped.</summary>
    public const string SchedulerSgmUniform = "sgm_uniform";

    /// <summary>Scheduler "simple": evenly spaced entries of the model's sigma table.</summary>
    public const string SchedulerSimple = "simple";

    /// <summary>Scheduler "ddim_uniform": DDIM's uniform timestep spacing.</summary>
    public const string SchedulerDdimUniform = "ddim_uniform";

    /// <summary>Scheduler "beta" (Lee et al. 2024, arXiv:2407.12173, α = β = 0.6).</summary>
    public const string SchedulerBeta = "beta";

    /// <summary>Every sampler name ComfyUI lists, in its order (42 names; not all are implemented here).</summary>
    public static IReadOnlyList<string> ComfySamplerOrder { get; } =
    [
        "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2",
        "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp",
        "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
        "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm",
        "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
        "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde", "seeds_2",
        "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2",
    ];

    /// <summary>Every scheduler name ComfyUI lists, in its order (not all are implemented here).</summary>
    public static IReadOnlyList<string> ComfySchedulerOrder { get; } =
    [
        "simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic",
        "kl_optimal",
    ];
}
