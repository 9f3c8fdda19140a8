import { inflateSync } from 'node:zlib';
import dicomParser from 'dicom-parser';

/**
 * What an orphan file in Orthanc's storage folder holds, judged by its content alone (an orphan
 * has no index row that would say). Only a complete DICOM file may be posted back to Orthanc:
 * Orthanc's partial attachments (DicomUntilPixelData) begin like DICOM too, and posting one would
 * create an instance without its pixels.
 */
export type FileKind =
  | { kind: 'dicom'; dicom: Uint8Array; compressed: boolean; sopClassUid?: string }
  | { kind: 'partial'; reason: string; compressed: boolean }
  | { kind: 'not-dicom'; reason: string };

/**
 * SOP classes whose instances carry no Pixel Data: structured reports and key objects,
 * presentation states, waveforms, encapsulated documents, RT plans/structures/records, raw data,
 * registrations, measurements, protocols. Prefixes end with "." where a whole family qualifies.
 */
const withoutPixels: readonly string[] = [
  '1.2.840.10008.5.1.4.1.1.88.', // structured reports, key object selection
  '1.2.840.10008.5.1.4.1.1.11.', // presentation states
  '1.2.840.10008.5.1.4.1.1.9.', // waveforms (ECG, audio, ...)
  '1.2.840.10008.5.1.4.1.1.104.', // encapsulated PDF, CDA, STL, OBJ, MTL
  '1.2.840.10008.5.1.4.1.1.66', // raw data
  '1.2.840.10008.5.1.4.1.1.66.1', // spatial registration
  '1.2.840.10008.5.1.4.1.1.66.2', // spatial fiducials
  '1.2.840.10008.5.1.4.1.1.66.3', // deformable spatial registration
  '1.2.840.10008.5.1.4.1.1.66.5', // surface segmentation
  '1.2.840.10008.5.1.4.1.1.66.6', // tractography results
  '1.2.840.10008.5.1.4.1.1.67', // real world value mapping
  '1.2.840.10008.5.1.4.1.1.68.', // surface scan
  '1.2.840.10008.5.1.4.1.1.4.2', // MR spectroscopy
  '1.2.840.10008.5.1.4.1.1.77.1.5.3', // stereometric relationship
  '1.2.840.10008.5.1.4.1.1.78.', // ophthalmic measurements
  '1.2.840.10008.5.1.4.1.1.79.',
  '1.2.840.10008.5.1.4.1.1.80.',
  '1.2.840.10008.5.1.4.1.1.81.',
  '1.2.840.10008.5.1.4.1.1.82.',
  '1.2.840.10008.5.1.4.1.1.90.1', // content assessment results
  '1.2.840.10008.5.1.4.1.1.200.', // protocols
  '1.2.840.10008.5.1.4.1.1.481.3', // RT structure set
  '1.2.840.10008.5.1.4.1.1.481.4', // RT beams treatment record
  '1.2.840.10008.5.1.4.1.1.481.5', // RT plan
  '1.2.840.10008.5.1.4.1.1.481.6',
  '1.2.840.10008.5.1.4.1.1.481.7',
  '1.2.840.10008.5.1.4.1.1.481.8',
  '1.2.840.10008.5.1.4.1.1.481.9',
  '1.2.840.10008.5.1.4.1.1.481.10',
  '1.2.840.10008.5.1.4.1.1.481.11',
  '1.2.840.10008.5.1.4.34.', // second-generation RT
  '1.2.840.10008.5.1.4.38.', // hanging protocols
  '1.2.840.10008.5.1.4.39.', // color palettes
  '1.2.840.10008.5.1.4.43.', // implant templates
  '1.2.840.10008.5.1.4.44.',
  '1.2.840.10008.5.1.4.45.',
];

export function isSopClassWithoutPixels(uid: string): boolean {
  return withoutPixels.some((entry) =>
    entry.endsWith('.') ? uid.startsWith(entry) : uid === entry,
  );
}

function hasPreamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 && // D
    bytes[129] === 0x49 && // I
    bytes[130] === 0x43 && // C
    bytes[131] === 0x4d // M
  );
}

/**
 * Orthanc's StorageCompression: an 8-byte little-endian uncompressed size, then zlib data.
 * Returns the inflated bytes, or undefined when the file is not in that form.
 */
export function orthancInflate(bytes: Uint8Array): Uint8Array | undefined {
  // zlib's first byte: deflate with a 32 KB window or smaller (0x08..0x78, low nibble 8).
  if (bytes.length < 10 || ((bytes[8] ?? 0) & 0x0f) !== 8) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.readBigUInt64LE(0);
  if (size > BigInt(4 * 1024 ** 3)) return undefined;
  try {
    const inflated = inflateSync(view.subarray(8));
    return BigInt(inflated.byteLength) === size ? inflated : undefined;
  } catch {
    return undefined;
  }
}

/** Decides whether a file is complete DICOM (to be posted), partial DICOM, or something else. */
export function classifyFile(bytes: Uint8Array): FileKind {
  let dicom = bytes;
  let compressed = false;
  if (!hasPreamble(bytes)) {
    const inflated = orthancInflate(bytes);
    if (!inflated || !hasPreamble(inflated)) {
      return { kind: 'not-dicom', reason: 'no "DICM" at offset 128 (nor after zlib)' };
    }
    dicom = inflated;
    compressed = true;
  }
  let dataSet: ReturnType<typeof dicomParser.parseDicom>;
  try {
    dataSet = dicomParser.parseDicom(dicom);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'partial', reason: `does not parse to the end (${reason})`, compressed };
  }
  const sopClassUid = (dataSet.string('x00080016') ?? dataSet.string('x00020002'))?.trim();
  const pixels = ['x7fe00010', 'x7fe00008', 'x7fe00009'].some((tag) => dataSet.elements[tag]);
  if (pixels || (sopClassUid && isSopClassWithoutPixels(sopClassUid))) {
    return { kind: 'dicom', dicom, compressed, ...(sopClassUid ? { sopClassUid } : {}) };
  }
  return {
    kind: 'partial',
    reason: `no Pixel Data (7FE0,0010) and SOP class ${sopClassUid ?? 'unknown'} needs pixels`,
    compressed,
  };
}
