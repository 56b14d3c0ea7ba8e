// One kubeconfig shape for the emulated Kubernetes API and the real cluster (its users and controllers).

/** A kubeconfig for `server` with the CA inline and a bearer token. */
export function kubeconfigFor(server: string, caPem: string, user: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: iac-local",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: iac-local",
    "  context:",
    "    cluster: iac-local",
    `    user: ${user}`,
    "    namespace: default",
    "current-context: iac-local",
    "",
  ].join("\n");
}
