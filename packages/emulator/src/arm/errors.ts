/**
 * ARM's error vocabulary. Every failure the emulated ARM reports is an {@link ArmError}: an HTTP
 * status plus the `{ error: { code, message, target? } }` body of the ARM RPC
 * (notes §2, "Error Response Content"), which the SDKs surface as `RestError.code`/`statusCode`.
 */
import { randomUUID } from "node:crypto";

/** One entry of an error's `details` (notes §2, "Error Response Content"). */
export interface ArmErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** An ARM error response: thrown by handlers, turned into a response by the dispatcher. */
export class ArmError extends Error {
  /** The ARM error code (PascalCase), e.g. `ResourceGroupNotFound`. */
  readonly code: string;
  /** The HTTP status of the response. */
  readonly status: number;
  /** The property or name the error is about, when ARM names one. */
  readonly target?: string;
  /** Further errors of the same request (every refused property of a body, for instance). */
  readonly details?: readonly ArmErrorDetail[];
  /** For a 429: the `Retry-After` (seconds) the response carries. */
  readonly retryAfterSeconds?: number;

  constructor(options: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly target?: string;
    readonly details?: readonly ArmErrorDetail[];
    readonly retryAfterSeconds?: number;
  }) {
    super(options.message);
    this.name = "ArmError";
    this.status = options.status;
    this.code = options.code;
    this.target = options.target;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The response body ARM sends. */
  body(): { error: { code: string; message: string; target?: string; details?: readonly ArmErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.target === undefined ? {} : { target: this.target }),
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** 404 `ResourceGroupNotFound` (notes §1.1; pulumi/pulumi#3891). */
export function resourceGroupNotFound(name: string): ArmError {
  return new ArmError({ status: 404, code: "ResourceGroupNotFound", message: `Resource group '${name}' could not be found.` });
}

/** 404 `ResourceNotFound` with ARM's message (notes §1.2; Azure/ng-deploy-azure#81). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError({
    status: 404,
    code: "ResourceNotFound",
    message: `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  });
}

/**
 * 404 `ParentResourceNotFound`: a nested resource (a file share) whose parent account does not
 * exist. Code and message as real traffic shows them for `FileSharesClient#Get` ("Can not perform
 * requested operation on nested resource. Parent resource 'azprodstorage0626' not found.", quoted in
 * a public azurefile-csi-driver walkthrough found through the code index).
 */
export function parentResourceNotFound(parentName: string): ArmError {
  return new ArmError({
    status: 404,
    code: "ParentResourceNotFound",
    message: `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
  });
}

/**
 * 404 `StorageAccountNotFound`: what the storage RP itself answers to a GET (or PATCH) of an account
 * that does not exist, or whose creation failed and was rolled back. Seen in real traffic as
 * `Status=404 Code="StorageAccountNotFound" Message="The storage account X was not found."`
 * (hashicorp/terraform-provider-azurerm#16573, pulumi/pulumi-azure-native#3089 and #4835,
 * crossplane-contrib/provider-upjet-azure#70). ARM's generic `ResourceNotFound` is what actions
 * (POST listKeys) on a missing account get.
 */
export function storageAccountNotFound(name: string): ArmError {
  return new ArmError({ status: 404, code: "StorageAccountNotFound", message: `The storage account ${name} was not found.` });
}

/**
 * The message shape of errors the storage RP passes through from the storage data plane: the
 * sentence, then `RequestId:` and `Time:` lines, as in `Message="The specifed resource name contains
 * invalid characters.\nRequestId:…\nTime:…"` (kubernetes-sigs/azurefile-csi-driver#600).
 */
export function storageServiceMessage(sentence: string, now: number): string {
  return `${sentence}\nRequestId:${randomUUID()}\nTime:${new Date(now).toISOString().replace("Z", "0000Z")}`;
}

/** 409 `ResourceGroupBeingDeleted` (notes §1.1; Azure/azure-cli#28679). */
export function resourceGroupBeingDeleted(name: string): ArmError {
  return new ArmError({
    status: 409,
    code: "ResourceGroupBeingDeleted",
    message: `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`,
  });
}

/** 400 `InvalidRequestContent`: a body that is not JSON or lacks a required property. */
export function invalidRequestContent(detail: string): ArmError {
  return new ArmError({
    status: 400,
    code: "InvalidRequestContent",
    message: `The request content was invalid and could not be deserialized: '${detail}'. Fix the request body and send it again.`,
  });
}

/** 400 `LocationRequired`: a PUT without `location`. */
export function locationRequired(): ArmError {
  return new ArmError({ status: 400, code: "LocationRequired", message: "The location property is required for this definition." });
}
