/**
 * A feature-flags file (Microsoft feature management schema) as the tests read it back: only a
 * cast, typed with the paths the tests check (the first flag, the first filter are there).
 */
export interface FlagsJson {
  feature_management: { feature_flags: [TestFlag, ...TestFlag[]] };
}

export interface TestFlag {
  id: string;
  enabled?: boolean;
  conditions: {
    client_filters: [
      {
        name: string;
        parameters: { Value?: number; Audience: { Users?: string[]; DefaultRolloutPercentage?: number } };
      },
    ];
  };
}

export function parseFlagsJson(text: string): FlagsJson {
  return JSON.parse(text) as FlagsJson;
}
