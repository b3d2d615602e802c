// The README's radio-lines adapter in JavaScript (componentize-js).
function report(line) {
  return {
    sourceSystem: "shopnet-radio",
    sourceRecordId: undefined,
    event: {
      kind: "alert",
      occurredFrom: undefined,
      occurredTo: undefined,
      reportedAt: undefined,
      category: "other",
      categoryRaw: undefined,
      businessCrime: false,
      narrative: line,
      staffInjured: undefined,
      policeReference: undefined,
    },
    location: {
      premisesName: undefined, storeId: undefined, addressLines: [], town: undefined,
      postcode: undefined, uprn: undefined, coordinates: undefined, bcrpArea: undefined,
    },
    persons: [], property: [], vehicles: [],
    evidence: { media: [], witnessStatement: false },
    extensions: [],
  };
}

export const translator = {
  describe() {
    return {
      name: "radio-lines-js", version: "0.1.0",
      description: "Each non-blank line of radio text becomes an alert (JavaScript).",
      systems: ["shopnet-radio"], contentTypes: ["text/plain"], configKeys: [],
    };
  },
  validateConfig(_config) {},
  translate(payload) {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(payload.bytes);
    const reports = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0).map(report);
    return { reports, rejects: [] };
  },
};
