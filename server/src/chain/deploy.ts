/**
 * Deploys EvidenceAnchor once per chain and records where, so receipts can name the contract and the
 * block from which to search its events. Idempotent: a recorded deployment whose code is on chain is
 * reused; a record whose code is gone (a fresh development chain) is replaced.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, ContractFactory, type Provider, type Signer, keccak256 } from "ethers";
import { evidenceAnchorArtifact } from "./artifact.ts";

export interface Deployment {
  readonly chainId: number;
  readonly contract: "EvidenceAnchor";
  readonly address: string;
  readonly deployBlock: number;
  readonly txHash: string;
  readonly deployer: string;
  readonly admin: string;
  readonly anchorers: readonly string[];
  /** keccak256 of the runtime code, to detect a different contract at the recorded address. */
  readonly codeHash: string;
  readonly compiler: string | undefined;
  readonly deployedAt: string;
}

export interface EnsureDeploymentOptions {
  /** Signs the deployment; becomes the deployer. */
  readonly deployer: Signer;
  /** Gets DEFAULT_ADMIN_ROLE (defaults to the deployer). */
  readonly admin?: string;
  /** Addresses granted ANCHORER_ROLE. */
  readonly anchorers: readonly string[];
  /** Directory of `<chainId>.json` records. */
  readonly deploymentsDir: string;
  /** Called with progress lines. */
  readonly log?: (line: string) => void;
}

/** Path of the deployment record of `chainId` in `dir`. */
export function deploymentPath(dir: string, chainId: number): string {
  return join(dir, `${chainId}.json`);
}

/** Reads a deployment record, or undefined when there is none. */
export function readDeployment(dir: string, chainId: number): Deployment | undefined {
  const path = deploymentPath(dir, chainId);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as Deployment;
}

/** Tests whether the recorded contract's runtime code is on chain at its address. */
export async function isDeployed(provider: Provider, d: Deployment): Promise<boolean> {
  const code = await provider.getCode(d.address);
  return code !== "0x" && keccak256(code) === d.codeHash;
}

/**
 * Returns the chain's deployment, deploying and granting roles when none is recorded or the recorded
 * code is gone. Every anchorer in `anchorers` holds the role afterwards.
 *
 * @example
 * const d = await ensureDeployment({ deployer, anchorers: [await anchorer.getAddress()], deploymentsDir: "deployments" });
 */
export async function ensureDeployment(options: EnsureDeploymentOptions): Promise<Deployment> {
  const provider = options.deployer.provider;
  if (!provider) throw new Error("the deployer signer has no provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  const artifact = evidenceAnchorArtifact();
  const recorded = readDeployment(options.deploymentsDir, chainId);
  if (recorded && (await isDeployed(provider, recorded))) {
    await grantMissingAnchorers(recorded, options);
    options.log?.(`EvidenceAnchor on chain ${chainId} at ${recorded.address} (deployed in block ${recorded.deployBlock})`);
    return readDeployment(options.deploymentsDir, chainId) ?? recorded;
  }
  if (recorded) options.log?.(`recorded EvidenceAnchor ${recorded.address} has no code on chain ${chainId}: deploying anew`);

  const deployerAddress = await options.deployer.getAddress();
  const admin = options.admin ?? deployerAddress;
  const [firstAnchorer, ...otherAnchorers] = options.anchorers;
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, options.deployer);
  const contract = await factory.deploy(admin, firstAnchorer ?? "0x0000000000000000000000000000000000000000");
  const tx = contract.deploymentTransaction();
  if (!tx) throw new Error("deployment transaction missing");
  const receipt = await tx.wait(1);
  if (receipt?.status !== 1) throw new Error(`deployment transaction ${tx.hash} failed`);
  const address = await contract.getAddress();
  const code = await provider.getCode(address);
  const deployment: Deployment = {
    chainId,
    contract: "EvidenceAnchor",
    address,
    deployBlock: receipt.blockNumber,
    txHash: tx.hash,
    deployer: deployerAddress,
    admin,
    anchorers: firstAnchorer ? [firstAnchorer] : [],
    codeHash: keccak256(code),
    compiler: artifact.compiler.solc,
    deployedAt: new Date().toISOString(),
  };
  writeDeployment(options.deploymentsDir, deployment);
  options.log?.(`deployed EvidenceAnchor on chain ${chainId} at ${address} in block ${receipt.blockNumber} (tx ${tx.hash})`);
  if (otherAnchorers.length > 0) await grantMissingAnchorers(deployment, options);
  return readDeployment(options.deploymentsDir, chainId) ?? deployment;
}

async function grantMissingAnchorers(d: Deployment, options: EnsureDeploymentOptions): Promise<void> {
  const artifact = evidenceAnchorArtifact();
  const registry = new Contract(d.address, artifact.abi, options.deployer);
  const role = (await registry.getFunction("ANCHORER_ROLE")()) as string;
  const anchorers = new Set(d.anchorers);
  for (const account of options.anchorers) {
    if ((await registry.getFunction("hasRole")(role, account)) as boolean) {
      anchorers.add(account);
      continue;
    }
    const tx = await registry.getFunction("grantRole")(role, account);
    await tx.wait(1);
    anchorers.add(account);
    options.log?.(`granted the anchorer role to ${account}`);
  }
  if (anchorers.size !== d.anchorers.length) writeDeployment(options.deploymentsDir, { ...d, anchorers: [...anchorers] });
}

function writeDeployment(dir: string, d: Deployment): void {
  mkdirSync(dir, { recursive: true });
  const path = deploymentPath(dir, d.chainId);
  writeFileSync(`${path}.tmp`, JSON.stringify(d, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}
