namespace Ceremonies.Data;

// Rows that requests read all the time and people change rarely (venues, halls, memberships).
// They may be kept in memory by ReferenceCache; saving a change to one clears it in this process,
// and a trigger tells every other process (see the ReferenceDataNotify migration).
public interface IReferenceData;
