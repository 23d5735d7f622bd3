using Ceremonies.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Ceremonies.Infrastructure.Scheduling;

// One execution of a job on one node: what the job board shows, and how a test sees that a
// firing ran once in the cluster rather than once per node.
public sealed class JobRun
{
    public long Id { get; init; }
    public required string Job { get; init; }
    public required string FireId { get; init; }
    public DateTimeOffset? ScheduledFor { get; init; }
    public required DateTimeOffset FiredAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required string Node { get; init; }
    public required bool Succeeded { get; init; }
    public string? Error { get; init; }
}

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> builder)
    {
        builder.ToTable("job_runs");
        builder.Property(r => r.Id).UseIdentityAlwaysColumn();
    }
}

public static class JobRunSets
{
    extension(CeremoniesDb db)
    {
        public DbSet<JobRun> JobRuns => db.Set<JobRun>();
    }
}
