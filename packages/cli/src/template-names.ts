/** The templates of `iac new`, in their own module so that `iac --help` does not load the command. */
export const TEMPLATE_NAMES = ["empty", "random", "azure", "flux-gitops"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
