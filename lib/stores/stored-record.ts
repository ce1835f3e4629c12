// What a store keeps of a delivery record: its JSON, measured once, with the payload cut to the
// stored size cap. The Redis store writes the JSON it measures, so the receiver's hot path serializes
// a record once, as before; the memory store keeps the object and only the size.
import type { DeliveryRecord } from "../model/delivery.js";
import { capPayload } from "../model/payload-cap.js";

export { DEFAULT_STORED_PAYLOAD_MAX_BYTES } from "../model/payload-cap.js";

export interface StoredRecord {
  json: string;
  /** Bytes of `json` (UTF-8). */
  bytes: number;
}

/** The record's JSON and size. */
export function measureRecord(record: DeliveryRecord): StoredRecord {
  const json = JSON.stringify(record);
  return { json, bytes: Buffer.byteLength(json, "utf8") };
}

/**
 * Measures a record about to be claimed and, when its payload is over `maxPayloadBytes`, cuts the
 * payload in the record itself (`payload` replaced by the cut copy, `payload_truncated` set). Only an
 * oversized record is serialized twice.
 */
export function prepareForClaim(record: DeliveryRecord, maxPayloadBytes: number): StoredRecord {
  const measured = measureRecord(record);
  // The whole record within the cap means its payload is too: the common case ends here.
  if (measured.bytes <= maxPayloadBytes || record.payload_truncated !== undefined) return measured;
  // The payload's size is the record's less the rest of it: no second pass over a payload of megabytes.
  const payloadBytes = measured.bytes - measureRecord({ ...record, payload: {} as DeliveryRecord["payload"] }).bytes + 2;
  const { payload, truncation } = capPayload(record.payload, maxPayloadBytes, payloadBytes);
  if (truncation === undefined) return measured;
  record.payload = payload;
  record.payload_truncated = truncation;
  return measureRecord(record);
}
