export interface NodeBinary {
  readonly path: string;
  readonly version: string;
}
export interface SelectedNode extends NodeBinary {
  readonly source: 'current' | 'package';
}
export declare const MINIMUM_NODE: string;
export declare function parseVersion(version: string | undefined): [number, number, number] | undefined;
export declare function isSupported(version: string | undefined): boolean;
export declare function selectNode(input: { current: NodeBinary; packaged?: NodeBinary }): SelectedNode;
export declare function packagedNodeName(platform?: string, arch?: string): string;
export declare function findNode(root?: string): SelectedNode;
export declare function findNodeOrExit(root?: string): SelectedNode;
