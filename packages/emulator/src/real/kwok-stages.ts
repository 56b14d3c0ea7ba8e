/**
 * The Stages kwok plays on the fake node's pods: kwokctl's defaults (from the build cache), plus
 * one of ours so that an image that cannot be pulled behaves as on a cluster. Every pod becomes
 * Ready under the defaults, so a Deployment that never becomes ready (what `wait`, `healthChecks`
 * and iac's readiness waits exist for) could not be shown. A pod whose container image is in the
 * reserved registry {@link UNPULLABLE_REGISTRY} stays Pending with `ImagePullBackOff`, as a kubelet
 * reports an image it cannot pull, and never becomes Ready.
 */
import { parseAllDocuments, stringify } from "yaml";

/** Images under this registry never start on the real cluster (`.invalid` is reserved, RFC 2606). */
export const UNPULLABLE_REGISTRY = "unpullable.invalid/";

/** kwok selector: true when some container's image is in the unpullable registry. */
const UNPULLABLE_KEY = `.spec.containers.[].image | startswith("${UNPULLABLE_REGISTRY}")`;

/** Our stage: a scheduled pod with an unpullable image gets the kubelet's ImagePullBackOff status, once. */
const IMAGE_PULL_BACKOFF = {
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name: "pod-image-pull-backoff" },
  spec: {
    resourceRef: { apiGroup: "v1", kind: "Pod" },
    selector: {
      matchExpressions: [
        { key: UNPULLABLE_KEY, operator: "In", values: ["true"] },
        { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
        { key: ".spec.nodeName", operator: "Exists" },
        { key: ".status.containerStatuses", operator: "DoesNotExist" },
      ],
    },
    next: {
      statusTemplate: [
        "{{ $now := Now }}",
        "conditions:",
        "- lastTransitionTime: {{ $now | Quote }}",
        "  status: \"True\"",
        "  type: Initialized",
        "- lastTransitionTime: {{ $now | Quote }}",
        "  status: \"False\"",
        "  reason: ContainersNotReady",
        "  type: Ready",
        "- lastTransitionTime: {{ $now | Quote }}",
        "  status: \"False\"",
        "  reason: ContainersNotReady",
        "  type: ContainersReady",
        "- lastTransitionTime: {{ $now | Quote }}",
        "  status: \"True\"",
        "  type: PodScheduled",
        "containerStatuses:",
        "{{ range .spec.containers }}",
        "- image: {{ .image | Quote }}",
        "  name: {{ .name | Quote }}",
        "  ready: false",
        "  restartCount: 0",
        "  started: false",
        "  state:",
        "    waiting:",
        "      reason: ImagePullBackOff",
        "      message: {{ printf \"Back-off pulling image %q\" .image | Quote }}",
        "{{ end }}",
        "hostIP: {{ NodeIPWith .spec.nodeName | Quote }}",
        "phase: Pending",
        "startTime: {{ $now | Quote }}",
        "",
      ].join("\n"),
    },
  },
};

/**
 * kwokctl's stages with ours: the default `pod-ready` stage skips pods with an unpullable image
 * (else it would make them Ready), and {@link IMAGE_PULL_BACKOFF} is added.
 */
export function kwokStages(defaults: string): string {
  const docs = parseAllDocuments(defaults).map((d) => d.toJSON() as { metadata?: { name?: string }; spec?: { selector?: { matchExpressions?: unknown[] } } });
  const ready = docs.find((d) => d.metadata?.name === "pod-ready");
  if (!ready?.spec?.selector?.matchExpressions) throw new Error("kwok's default stages have no pod-ready stage with a selector: the kwok version changed; see packages/emulator/src/real/kwok-stages.ts.");
  ready.spec.selector.matchExpressions.push({ key: UNPULLABLE_KEY, operator: "NotIn", values: ["true"] });
  return [...docs, IMAGE_PULL_BACKOFF].map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}
